-- Guarantees: per (client, queue, channel), after FINAL, everything Grafana needs to evaluate the
-- same alert rules and staffing as the worker (kpis.md "Alerts", "Staffing"): the chat concurrency,
-- the lane alert settings, and the pipeline limits in force (the same on every row). Rows written
-- before this migration read as the SLA file's defaults.
ALTER TABLE sla_targets ADD COLUMN chat_concurrency UInt32 DEFAULT 3;
ALTER TABLE sla_targets ADD COLUMN alerts_enabled UInt8 DEFAULT 1;
ALTER TABLE sla_targets ADD COLUMN alert_min_offered UInt32 DEFAULT 5;
ALTER TABLE sla_targets ADD COLUMN alert_longest_wait_s Float64 DEFAULT 2 * sl_threshold_s;
ALTER TABLE sla_targets ADD COLUMN alert_max_lag UInt64 DEFAULT 10000;
ALTER TABLE sla_targets ADD COLUMN alert_max_dead_letters_15m UInt32 DEFAULT 10;
