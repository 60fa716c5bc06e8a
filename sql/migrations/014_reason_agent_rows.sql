-- Guarantees: per (15-minute interval, client, queue, channel, reason, source) and per (15-minute
-- interval, client, queue, agent_id, source) the latest partial sums after FINAL; a row is the sum
-- over its sources, as in kpi_interval. Reason rows hold the KPI columns of handled contacts whose
-- end has a wrap-up reason; agent rows the time in each staffed state (split at interval
-- boundaries) and the contacts each agent handled, in the contact's arrival interval (kpis.md).
CREATE TABLE IF NOT EXISTS reason_interval (
    client String,
    queue String,
    channel String,
    reason String,
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
    first_responses_in_target UInt32,
    transferred UInt32,
    surveyed UInt32,
    ces_responses UInt32,
    ces_sum UInt32
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(interval_start)
ORDER BY (client, interval_start, queue, channel, reason, source);

CREATE TABLE IF NOT EXISTS agent_interval (
    client String,
    queue String,
    agent_id String,
    interval_start DateTime('UTC'),
    source String,
    version UInt64,
    available_us Int64,
    busy_us Int64,
    wrap_us Int64,
    away_us Int64,
    handled UInt32,
    handle_us_sum Int64,
    fcr_success UInt32,
    csat_responses UInt32,
    csat_satisfied UInt32
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(interval_start)
ORDER BY (client, interval_start, queue, agent_id, source);

-- Guarantees: per client the latest event time any worker has counted, after FINAL (the
-- greatest written): agents' last known state lasts until it (at most 12 hours), and a
-- restarted worker resumes the agents' open states there.
CREATE TABLE IF NOT EXISTS client_latest (
    client String,
    latest_us UInt64
) ENGINE = ReplacingMergeTree(latest_us)
ORDER BY client;
