-- Guarantees: KPI rows also count first responses within the SLA target (email in business time).
ALTER TABLE kpi_interval ADD COLUMN first_responses_in_target UInt32;
ALTER TABLE kpi_minute ADD COLUMN first_responses_in_target UInt32;
