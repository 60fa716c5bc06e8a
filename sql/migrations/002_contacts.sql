-- Guarantees: one row per (client, interval_start, contact_id) after FINAL, the engine's latest merged
-- state of the contact. Slots are the first event of each kind (NULL: not seen); the stream reloads its
-- state from here. An orphan (no arrival yet) has interval_start 0; once its arrival is seen a row under
-- the arrival interval supersedes it (readers take the highest version per contact).
CREATE TABLE IF NOT EXISTS contacts (
    client String,
    contact_id String,
    version UInt64,
    kafka_partition UInt16,
    customer_partition UInt16,
    interval_start DateTime('UTC'),
    queue String,
    channel String,
    customer_id String,
    arrived_us Nullable(Int64),
    arrived_id String,
    answered_us Nullable(Int64),
    answered_id String,
    abandoned_us Nullable(Int64),
    abandoned_id String,
    replied_us Nullable(Int64),
    replied_id String,
    ended_us Nullable(Int64),
    ended_id String,
    talk_us Int64,
    hold_us Int64,
    wrap_us Int64,
    resolved UInt8,
    survey_us Nullable(Int64),
    survey_id String,
    csat Nullable(UInt8),
    nps Nullable(UInt8),
    last_event_us Int64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(interval_start)
ORDER BY (client, interval_start, contact_id);
