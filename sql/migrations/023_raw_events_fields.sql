-- requires: ClickHouse 22
-- Guarantees: the fields the SQL derivation counts, as typed columns that ClickHouse reads from the
-- stored payload itself at insert (its own JSON parser, not stage one's): durations in integer
-- microseconds rounded half to even as sql/derivation/events.sql rounds them, the resolution, the
-- survey's scores (NULL where not given), the direction. `fields_agree` says whether ClickHouse's
-- reading of the payload names the same event as the stored columns (type, ids, queue, channel,
-- time to the microsecond): the derivation takes the typed columns of the rows that agree and
-- parses the payload of the others (none in practice). A server older than 22 (18.16 has no JSON
-- functions) skips this file: its SQL derivation is refused anyway (streams/storage/sql_derivation.py). An archive
-- written before gets the columns filled in the background; until then they are read from the
-- payloads. A payload naming a field twice never agrees: ClickHouse reads the first, the contract
-- models the last.
-- `fields_agree` reads the names it checks as one tuple (one parse of the payload) and compares
-- one tuple with another, where a chain of ANDs evaluated lazily parses it once per name (an insert
-- into the chDB child: 7.6-7.9 us a row without these columns, 13-16 with them either way: the
-- difference did not hold up in a second sitting). Numbers go to integers by accurateCastOrNull: an event of another type may carry a
-- name it does not count with any number (1e400 is infinity here), and an insert that raised
-- would be retried for ever.
ALTER TABLE raw_events ADD COLUMN talk_us Int64 MATERIALIZED if(type = 'contact.ended', ifNull(accurateCastOrNull(round(JSONExtractFloat(payload, 'talk_s') * 1000000), 'Int64'), 0), 0);
ALTER TABLE raw_events ADD COLUMN hold_us Int64 MATERIALIZED if(type = 'contact.ended', ifNull(accurateCastOrNull(round(JSONExtractFloat(payload, 'hold_s') * 1000000), 'Int64'), 0), 0);
ALTER TABLE raw_events ADD COLUMN wrap_us Int64 MATERIALIZED if(type = 'contact.ended', ifNull(accurateCastOrNull(round(JSONExtractFloat(payload, 'wrap_s') * 1000000), 'Int64'), 0), 0);
ALTER TABLE raw_events ADD COLUMN resolved UInt8 MATERIALIZED type = 'contact.ended' AND JSONExtractBool(payload, 'resolved');
ALTER TABLE raw_events ADD COLUMN csat Nullable(Int64) MATERIALIZED if(type = 'survey.answered', accurateCastOrNull(JSONExtract(payload, 'csat', 'Nullable(Float64)'), 'Int64'), NULL);
ALTER TABLE raw_events ADD COLUMN nps Nullable(Int64) MATERIALIZED if(type = 'survey.answered', accurateCastOrNull(JSONExtract(payload, 'nps', 'Nullable(Float64)'), 'Int64'), NULL);
ALTER TABLE raw_events ADD COLUMN ces Nullable(Int64) MATERIALIZED if(type = 'survey.answered', accurateCastOrNull(JSONExtract(payload, 'ces', 'Nullable(Float64)'), 'Int64'), NULL);
ALTER TABLE raw_events ADD COLUMN outbound UInt8 MATERIALIZED type = 'contact.arrived' AND JSONExtractString(payload, 'direction') = 'outbound';
ALTER TABLE raw_events ADD COLUMN fields_agree UInt8 MATERIALIZED ifNull(tuple(type, event_id, client, queue, channel, contact_id, customer_id, occurred_us, length(JSONExtractKeys(payload))) = tuple(tupleElement(JSONExtract(payload, 'Tuple(type String, event_id String, client String, queue String, channel String, contact_id String, customer_id String, occurred_at String)'), 'type'), tupleElement(JSONExtract(payload, 'Tuple(type String, event_id String, client String, queue String, channel String, contact_id String, customer_id String, occurred_at String)'), 'event_id'), tupleElement(JSONExtract(payload, 'Tuple(type String, event_id String, client String, queue String, channel String, contact_id String, customer_id String, occurred_at String)'), 'client'), tupleElement(JSONExtract(payload, 'Tuple(type String, event_id String, client String, queue String, channel String, contact_id String, customer_id String, occurred_at String)'), 'queue'), tupleElement(JSONExtract(payload, 'Tuple(type String, event_id String, client String, queue String, channel String, contact_id String, customer_id String, occurred_at String)'), 'channel'), tupleElement(JSONExtract(payload, 'Tuple(type String, event_id String, client String, queue String, channel String, contact_id String, customer_id String, occurred_at String)'), 'contact_id'), tupleElement(JSONExtract(payload, 'Tuple(type String, event_id String, client String, queue String, channel String, contact_id String, customer_id String, occurred_at String)'), 'customer_id'), toUnixTimestamp64Micro(parseDateTime64BestEffortOrNull(tupleElement(JSONExtract(payload, 'Tuple(type String, event_id String, client String, queue String, channel String, contact_id String, customer_id String, occurred_at String)'), 'occurred_at'), 6, 'UTC')), length(arrayDistinct(JSONExtractKeys(payload)))), 0);
-- One mutation fills them all: one pass over the archive's parts, not one per column.
ALTER TABLE raw_events MATERIALIZE COLUMN talk_us, MATERIALIZE COLUMN hold_us, MATERIALIZE COLUMN wrap_us, MATERIALIZE COLUMN resolved, MATERIALIZE COLUMN csat, MATERIALIZE COLUMN nps, MATERIALIZE COLUMN ces, MATERIALIZE COLUMN outbound, MATERIALIZE COLUMN fields_agree;
