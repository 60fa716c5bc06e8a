-- The stored events as columns: the fields kpis.md counts, read from each payload (the wire
-- format of events.md). Durations become integer microseconds rounded as the Python engine
-- rounds them (half to even), so sums are exact and equal in both engines.
-- Input `source`: a relation with the payload in a column named `payload` (raw_events, or the
-- lines of an events file).
SELECT
    JSONExtractString(payload, 'type') AS type,
    JSONExtractString(payload, 'event_id') AS event_id,
    JSONExtractString(payload, 'client') AS client,
    JSONExtractString(payload, 'contact_id') AS contact_id,
    toInt64(toUnixTimestamp64Micro(parseDateTime64BestEffort(JSONExtractString(payload, 'occurred_at'), 6, 'UTC'))) AS at_us,
    JSONExtractString(payload, 'queue') AS queue,
    JSONExtractString(payload, 'channel') AS channel,
    JSONExtractString(payload, 'customer_id') AS customer_id,
    toInt64(round(JSONExtractFloat(payload, 'talk_s') * 1000000)) AS talk_us,
    toInt64(round(JSONExtractFloat(payload, 'hold_s') * 1000000)) AS hold_us,
    toInt64(round(JSONExtractFloat(payload, 'wrap_s') * 1000000)) AS wrap_us,
    JSONExtractBool(payload, 'resolved') AS resolved,
    JSONExtract(payload, 'csat', 'Nullable(Int64)') AS csat,
    JSONExtract(payload, 'nps', 'Nullable(Int64)') AS nps,
    JSONExtract(payload, 'ces', 'Nullable(Int64)') AS ces
FROM {source}
