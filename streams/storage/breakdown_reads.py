"""Rows by reason, per agent and for staffing, read back as stored (the sum over sources of the
latest partial sums), in the forms ``cckpi compute --grain`` prints."""

from __future__ import annotations

from schemas.breakdowns import AgentRow, ReasonRow, StaffingRow
from schemas.sla import SlaSettings
from streams.engine.agent_time import AGENT_VECTOR, AgentKey
from streams.engine.intervals import INTERVAL_S
from streams.engine.reasons import ReasonKey
from streams.engine.rows import agent_output_rows, reason_output_rows
from streams.engine.staffing_rows import staffing_rows
from streams.storage.protocol import ClickHouse
from streams.storage.reads import read_kpi_vectors, window
from streams.storage.tables import STORED_COLUMNS


def read_reason_vectors(
    store: ClickHouse, client: str | None = None, since_s: int | None = None, until_s: int | None = None
) -> list[tuple[ReasonKey, list[int]]]:
    where, params = window(client, since_s, until_s)
    sums = ", ".join(f"sum({c})" for c in STORED_COLUMNS)
    group = "client, queue, channel, reason, interval_start"
    rows = store.query(
        f"SELECT client, queue, channel, reason, toUInt32(interval_start), {sums} FROM reason_interval FINAL "
        f"{where} GROUP BY {group} HAVING sum(handled) > 0 ORDER BY {group}",
        params,
    )
    return [((r[0], r[1], r[2], r[3], int(r[4])), [int(v) for v in r[5:]]) for r in rows]


def read_agent_vectors(
    store: ClickHouse, client: str | None = None, since_s: int | None = None, until_s: int | None = None
) -> list[tuple[AgentKey, list[int]]]:
    where, params = window(client, since_s, until_s)
    sums = ", ".join(f"sum({c})" for c in AGENT_VECTOR)
    group = "client, queue, agent_id, interval_start"
    rows = store.query(
        f"SELECT client, queue, agent_id, toUInt32(interval_start), {sums} FROM agent_interval FINAL "
        f"{where} GROUP BY {group} "
        f"HAVING sum(handled) > 0 OR sum(available_us + busy_us + wrap_us + away_us) > 0 ORDER BY {group}",
        params,
    )
    return [((r[0], r[1], r[2], int(r[3])), [int(v) for v in r[4:]]) for r in rows]


def read_reason_rows(
    store: ClickHouse, sla: SlaSettings, client: str | None = None, since_s: int | None = None,
    until_s: int | None = None,
) -> list[ReasonRow]:  # fmt: skip
    return reason_output_rows(
        read_reason_vectors(store, client, since_s, until_s), sla.formula, sla.hourly_cost
    )


def read_agent_rows(
    store: ClickHouse, client: str | None = None, since_s: int | None = None, until_s: int | None = None
) -> list[AgentRow]:
    return agent_output_rows(read_agent_vectors(store, client, since_s, until_s))


def read_staffing_rows(
    store: ClickHouse, sla: SlaSettings, client: str | None = None, since_s: int | None = None,
    until_s: int | None = None,
) -> list[StaffingRow]:  # fmt: skip
    """Required agents (from the stored KPI rows) next to staffed agents (from the agent rows)."""
    kpi = dict(read_kpi_vectors(store, INTERVAL_S, client, since_s, until_s))
    agents = dict(read_agent_vectors(store, client, since_s, until_s))
    return staffing_rows(kpi, agents, sla.thresholds, INTERVAL_S)
