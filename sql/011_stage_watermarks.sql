-- Guarantees: one row per (stage, stage_partition) after FINAL: the watermark a live stage's partition
-- had after the last batch it wrote. It is written after that batch's rows and contacts, so it is never
-- ahead of what storage holds; a restarted stage resumes its retention from it, not from the newest
-- event stored, which may be further on (a partition's later batches, or stage one ahead of stage two).
CREATE TABLE IF NOT EXISTS stage_watermarks (
    stage String,
    stage_partition UInt16,
    watermark_us Int64,
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (stage, stage_partition);
