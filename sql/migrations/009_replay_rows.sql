-- Guarantees: the KPI rows of each replay run, kept beside the live rows (never overwriting them),
-- with the SHA-256 digest of the events that fed each row, so an auditor can check the inputs later.
CREATE TABLE IF NOT EXISTS replay_kpi (
    run_id String,
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
    first_responses_in_target UInt32
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(interval_start)
ORDER BY (run_id, client, interval_start, queue, channel);
