-- Guarantees: per (15-minute interval, client, queue, channel, source) the latest partial sums after FINAL;
-- a KPI row is the sum over its sources. Durations are integer microseconds (exact sums).
CREATE TABLE IF NOT EXISTS kpi_interval (
    client String,
    queue String,
    channel String,
    interval_start DateTime('UTC'),
    source String,
    version UInt64,
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
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(interval_start)
ORDER BY (client, interval_start, queue, channel, source);
