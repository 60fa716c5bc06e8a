"""Ops' audits: re-derive KPI rows from the raw events, compare, and prove it with digests."""
