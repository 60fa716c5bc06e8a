-- Guarantees: one row per (stage, stage_partition) after FINAL, written after the rows and contacts of
-- the last batch the stage wrote for that partition: the partition's watermark before and after that
-- batch, and the offset after its last message. A restarted stage resumes at the watermark after it if
-- the batch was committed (its first message is at or beyond that offset), else at the one before (the
-- batch is read again), so it judges every event as the stage did; never from the newest event stored,
-- which may be further on (stage one ahead of stage two, or one event stamped far ahead).
CREATE TABLE IF NOT EXISTS stage_watermarks (
    stage String,
    stage_partition UInt16,
    before_us Int64,
    after_us Int64,
    next_offset UInt64,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (stage, stage_partition);
