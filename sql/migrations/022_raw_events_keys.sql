-- Guarantees: the archive's integer keys, computed by ClickHouse at insert (and on read for the
-- parts written before): the contact's and the customer's (client and id hashed together) and the
-- payload's digest (which copy of an event id this is). Replay finds the events a range depends on
-- by these integers rather than by string tuples; erasure's rewrites insert rows again, so they
-- follow a renamed customer and a rewritten payload.
ALTER TABLE raw_events ADD COLUMN contact_key UInt64 MATERIALIZED cityHash64(client, contact_id);
ALTER TABLE raw_events ADD COLUMN customer_key UInt64 MATERIALIZED cityHash64(client, customer_id);
ALTER TABLE raw_events ADD COLUMN payload_hash UInt64 MATERIALIZED cityHash64(payload);
