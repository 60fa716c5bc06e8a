-- Guarantees: each rejected message once per (topic, partition, offset), with its reason and bytes.
CREATE TABLE IF NOT EXISTS dead_letters (
    topic String,
    kafka_partition UInt16,
    kafka_offset UInt64,
    received_at DateTime('UTC'),
    reason String,
    payload String
) ENGINE = ReplacingMergeTree()
ORDER BY (topic, kafka_partition, kafka_offset);
