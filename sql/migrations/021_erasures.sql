-- Guarantees: one row per erasure of customers (events.md, "Personal data"): when, for which client,
-- why (a customer's request, or the retention of personal data) and how many customers and rows per
-- table it rewrote; never whom.
CREATE TABLE IF NOT EXISTS erasures (
    erased_at DateTime('UTC'),
    client String,
    reason String,
    customers UInt32,
    raw_events UInt64,
    contacts UInt64,
    dead_letters UInt64
) ENGINE = MergeTree()
ORDER BY (erased_at, client);
