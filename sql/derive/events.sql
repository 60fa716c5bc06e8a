-- The stored events as columns: the fields kpis.md counts, read from each payload (the wire
-- format of events.md) in one pass over its JSON. Durations become integer microseconds rounded
-- as the Python engine rounds them (half to even), so sums are exact and equal in both engines.
-- Input `source`: a relation with the payload in a column named `payload` (raw_events, or the
-- lines of an events file).
SELECT
    e.1 AS type,
    e.2 AS event_id,
    e.3 AS client,
    e.4 AS contact_id,
    toInt64(toUnixTimestamp64Micro(parseDateTime64BestEffort(e.5, 6, 'UTC'))) AS at_us,
    e.6 AS queue,
    e.7 AS channel,
    e.8 AS customer_id,
    toInt64(round(e.9 * 1000000)) AS talk_us,
    toInt64(round(e.10 * 1000000)) AS hold_us,
    toInt64(round(e.11 * 1000000)) AS wrap_us,
    e.12 AS resolved,
    e.13 AS csat,
    e.14 AS nps,
    e.15 AS ces
FROM (
    SELECT JSONExtract(payload, 'Tuple(type String, event_id String, client String, contact_id String, occurred_at String, queue String, channel String, customer_id String, talk_s Float64, hold_s Float64, wrap_s Float64, resolved Bool, csat Nullable(Int64), nps Nullable(Int64), ces Nullable(Int64))') AS e
    FROM {source}
    WHERE payload != ''  -- a blank line of a file is no event
)
