-- Guarantees: the additions to version 1 (kpis.md): transfers, surveys, customer effort per KPI row;
-- the slots a contact needs for them (its first transfer, its agent, wrap-up reason, effort score);
-- the hourly cost and currency in force per (client, queue, channel). New columns default to 0/empty,
-- so rows written before them read as "none seen". The runner skips a column that exists, and rebuilds
-- the client databases' views of an altered table (18.16 views keep the columns they were made with).
ALTER TABLE kpi_interval ADD COLUMN transferred UInt32 DEFAULT 0;
ALTER TABLE kpi_interval ADD COLUMN surveyed UInt32 DEFAULT 0;
ALTER TABLE kpi_interval ADD COLUMN ces_responses UInt32 DEFAULT 0;
ALTER TABLE kpi_interval ADD COLUMN ces_sum UInt32 DEFAULT 0;
ALTER TABLE kpi_minute ADD COLUMN transferred UInt32 DEFAULT 0;
ALTER TABLE kpi_minute ADD COLUMN surveyed UInt32 DEFAULT 0;
ALTER TABLE kpi_minute ADD COLUMN ces_responses UInt32 DEFAULT 0;
ALTER TABLE kpi_minute ADD COLUMN ces_sum UInt32 DEFAULT 0;
ALTER TABLE replay_kpi ADD COLUMN transferred UInt32 DEFAULT 0;
ALTER TABLE replay_kpi ADD COLUMN surveyed UInt32 DEFAULT 0;
ALTER TABLE replay_kpi ADD COLUMN ces_responses UInt32 DEFAULT 0;
ALTER TABLE replay_kpi ADD COLUMN ces_sum UInt32 DEFAULT 0;
ALTER TABLE contacts ADD COLUMN transferred_us Nullable(Int64);
ALTER TABLE contacts ADD COLUMN transferred_id String DEFAULT '';
ALTER TABLE contacts ADD COLUMN ended_agent String DEFAULT '';
ALTER TABLE contacts ADD COLUMN reason String DEFAULT '';
ALTER TABLE contacts ADD COLUMN ces Nullable(UInt8);
ALTER TABLE sla_targets ADD COLUMN hourly_cost Nullable(Float64);
ALTER TABLE sla_targets ADD COLUMN currency String DEFAULT '';
