-- Guarantees: one row per (client, stage, event_id) after FINAL for every event live state turned
-- away as late (beyond the retention of live state). The event itself is in raw_events like any
-- other, so a replay over its interval counts it; this table says which ranges need one.
CREATE TABLE IF NOT EXISTS late_events (
    client String,
    contact_id String,
    event_id String,
    type String,
    occurred_at DateTime('UTC'),
    occurred_us Int64,
    stage String,
    reason String,
    watermark_us Int64,
    recorded_at DateTime('UTC')
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (client, stage, event_id);
