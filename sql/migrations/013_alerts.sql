-- Guarantees: per alert_id the latest state after FINAL (ended_us NULL while it fires), so a restarted
-- worker resumes the alerts firing; and per (alert_id, state, webhook) one row once that webhook took the
-- message, so nothing delivered is sent again and nothing undelivered is forgotten.
CREATE TABLE IF NOT EXISTS alerts (
    alert_id String,
    rule String,
    client String,
    queue String,
    channel String,
    value Float64,
    threshold Float64,
    started_at DateTime('UTC'),
    started_us Int64,
    ended_us Nullable(Int64),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(started_at)
ORDER BY (client, alert_id);

CREATE TABLE IF NOT EXISTS alert_deliveries (
    alert_id String,
    state String,
    webhook String,
    delivered_at DateTime('UTC'),
    attempts UInt32
) ENGINE = ReplacingMergeTree()
ORDER BY (alert_id, state, webhook);
