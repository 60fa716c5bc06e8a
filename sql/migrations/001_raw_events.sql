-- Guarantees: every valid event is archived once per (client, occurred_at, event_id), payload byte for byte.
CREATE TABLE IF NOT EXISTS raw_events (
    client String,
    occurred_at DateTime('UTC'),
    occurred_us Int64,
    event_id String,
    type String,
    queue String,
    channel String,
    contact_id String,
    agent_id String,
    customer_id String,
    payload String,
    kafka_partition UInt16,
    kafka_offset UInt64,
    ingested_at DateTime('UTC')
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (client, occurred_at, event_id);
