-- Guarantees: after FINAL, per sharded replay run (cckpi replay --shard K/N --run-id RUN) one row per
-- shard that finished, naming the range and client it replayed, and that shard's KPI rows: the sums
-- over the contacts of its customers, with the digest of those contacts' events. A shard run again
-- replaces its rows. `cckpi replay --merge RUN` adds the N shards' rows into one replay run.
CREATE TABLE IF NOT EXISTS replay_shards (
    run_id String,
    part UInt16,
    parts UInt16,
    client String,
    from_time DateTime('UTC'),
    to_time DateTime('UTC'),
    events UInt64,
    rows UInt64,
    finished_at DateTime('UTC')
) ENGINE = ReplacingMergeTree(finished_at)
ORDER BY (run_id, part);
CREATE TABLE IF NOT EXISTS replay_shard_kpi (
    run_id String,
    part UInt16,
    client String,
    queue String,
    channel String,
    interval_start DateTime('UTC'),
    inputs_sha256 String,
    events UInt32,
    offered UInt32,
    answered UInt32,
    answered_in_sl UInt32,
    wait_us_sum Int64,
    abandoned UInt32,
    short_abandoned UInt32,
    abandoned_in_sl UInt32,
    handled UInt32,
    talk_us_sum Int64,
    hold_us_sum Int64,
    wrap_us_sum Int64,
    handle_us_sum Int64,
    fcr_success UInt32,
    first_responses UInt32,
    first_response_us_sum Int64,
    csat_responses UInt32,
    csat_satisfied UInt32,
    nps_responses UInt32,
    nps_promoters UInt32,
    nps_detractors UInt32,
    first_responses_in_target UInt32,
    transferred UInt32,
    surveyed UInt32,
    ces_responses UInt32,
    ces_sum UInt32
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(interval_start)
ORDER BY (run_id, part, client, interval_start, queue, channel);
