-- Guarantees: the second set of additions to version 1 (kpis.md): self-served contacts, resolution
-- time and the centre's outbound contacts per KPI row (and per reason row, and in replays); the
-- slots a contact needs for them (its direction, its self-service), and the SLA file's resolution
-- time target in force per (client, queue, channel). New columns default to 0/empty,
-- so rows written before them read as "none seen" and contacts as inbound. The runner skips a
-- column that exists, and rebuilds the client databases' views of an altered table.
ALTER TABLE kpi_interval ADD COLUMN self_served UInt32 DEFAULT 0;
ALTER TABLE kpi_interval ADD COLUMN resolved UInt32 DEFAULT 0;
ALTER TABLE kpi_interval ADD COLUMN resolution_us_sum Int64 DEFAULT 0;
ALTER TABLE kpi_interval ADD COLUMN outbound_handled UInt32 DEFAULT 0;
ALTER TABLE kpi_interval ADD COLUMN outbound_handle_us_sum Int64 DEFAULT 0;
ALTER TABLE kpi_minute ADD COLUMN self_served UInt32 DEFAULT 0;
ALTER TABLE kpi_minute ADD COLUMN resolved UInt32 DEFAULT 0;
ALTER TABLE kpi_minute ADD COLUMN resolution_us_sum Int64 DEFAULT 0;
ALTER TABLE kpi_minute ADD COLUMN outbound_handled UInt32 DEFAULT 0;
ALTER TABLE kpi_minute ADD COLUMN outbound_handle_us_sum Int64 DEFAULT 0;
ALTER TABLE replay_kpi ADD COLUMN self_served UInt32 DEFAULT 0;
ALTER TABLE replay_kpi ADD COLUMN resolved UInt32 DEFAULT 0;
ALTER TABLE replay_kpi ADD COLUMN resolution_us_sum Int64 DEFAULT 0;
ALTER TABLE replay_kpi ADD COLUMN outbound_handled UInt32 DEFAULT 0;
ALTER TABLE replay_kpi ADD COLUMN outbound_handle_us_sum Int64 DEFAULT 0;
ALTER TABLE replay_shard_kpi ADD COLUMN self_served UInt32 DEFAULT 0;
ALTER TABLE replay_shard_kpi ADD COLUMN resolved UInt32 DEFAULT 0;
ALTER TABLE replay_shard_kpi ADD COLUMN resolution_us_sum Int64 DEFAULT 0;
ALTER TABLE replay_shard_kpi ADD COLUMN outbound_handled UInt32 DEFAULT 0;
ALTER TABLE replay_shard_kpi ADD COLUMN outbound_handle_us_sum Int64 DEFAULT 0;
ALTER TABLE reason_interval ADD COLUMN self_served UInt32 DEFAULT 0;
ALTER TABLE reason_interval ADD COLUMN resolved UInt32 DEFAULT 0;
ALTER TABLE reason_interval ADD COLUMN resolution_us_sum Int64 DEFAULT 0;
ALTER TABLE reason_interval ADD COLUMN outbound_handled UInt32 DEFAULT 0;
ALTER TABLE reason_interval ADD COLUMN outbound_handle_us_sum Int64 DEFAULT 0;
ALTER TABLE contacts ADD COLUMN outbound UInt8 DEFAULT 0;
ALTER TABLE contacts ADD COLUMN self_served_us Nullable(Int64);
ALTER TABLE contacts ADD COLUMN self_served_id String DEFAULT '';
ALTER TABLE sla_targets ADD COLUMN resolution_target_s Nullable(Float64);
