-- Guarantees: the operations dashboard's sources: consumer lag samples written by each worker, and
-- one row per replay run (written by cckpi replay).
CREATE TABLE IF NOT EXISTS pipeline_lag (
    observed_at DateTime('UTC'),
    worker String,
    topic String,
    kafka_partition UInt16,
    highwater UInt64,
    position UInt64,
    lag UInt64
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(observed_at)
ORDER BY (observed_at, topic, kafka_partition);

CREATE TABLE IF NOT EXISTS replay_runs (
    run_id String,
    started_at DateTime('UTC'),
    source String,
    client String,
    from_time DateTime('UTC'),
    to_time DateTime('UTC'),
    events UInt64,
    rows_differing UInt64,
    agrees UInt8
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(started_at)
ORDER BY (started_at, run_id);
