-- Guarantees: per (client, year), the closed dates its SLA file's holiday calendar (country and
-- subdivision, plus and minus its own dates) gave when first resolved. A worker stores a year it
-- needs the first time; from then on every worker and replay uses the stored dates, so a later
-- release of the `holidays` package never moves a recomputed month. Only missing years are written.
CREATE TABLE IF NOT EXISTS holiday_dates (
    client String,
    year UInt16,
    days Array(Date),
    resolved_at DateTime('UTC')
) ENGINE = ReplacingMergeTree()
ORDER BY (client, year);
