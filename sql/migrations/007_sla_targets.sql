-- Guarantees: per (client, queue, channel) the latest resolved SLA thresholds and targets after FINAL,
-- so dashboards compare KPIs with the contract in force.
CREATE TABLE IF NOT EXISTS sla_targets (
    client String,
    queue String,
    channel String,
    version UInt64,
    timezone String,
    sl_formula String,
    sl_threshold_s Float64,
    sl_target Float64,
    short_abandon_s Float64,
    abandon_rate_max Nullable(Float64),
    aht_target_s Nullable(Float64),
    fcr_target Nullable(Float64),
    csat_target Nullable(Float64),
    first_response_target_s Nullable(Float64)
) ENGINE = ReplacingMergeTree(version)
ORDER BY (client, queue, channel);
