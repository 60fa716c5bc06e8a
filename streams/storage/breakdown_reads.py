"""Rows by reason, per agent and for staffing, read back as stored (the sum over sources of the
latest partial sums), in the forms ``cckpi compute --grain`` prints."""

from __future__ import annotations

from typing import cast

from schemas.breakdowns import AgentRow, ReasonRow, StaffingRow
from schemas.sla import SlaSettings
from streams.engine.agent_time import AGENT_VECTOR, AgentKey
from streams.engine.intervals import INTERVAL_S
from streams.engine.reasons import ReasonKey
from streams.engine.rows import agent_output_rows, reason_output_rows
from streams.engine.staffing_rows import staffing_rows
from streams.storage.backends.protocol import ClickHouse
from streams.storage.kpi_reads import read_kpi_vectors, window
from streams.storage.schema.tables import STORED_COLUMNS


def summed_rows(
    store: ClickHouse, table: str, keys: tuple[str, ...], columns: tuple[str, ...], having: str,
    client: str | None, since_s: int | None, until_s: int | None,
) -> list[tuple[tuple[object, ...], list[int]]]:  # fmt: skip
    """Per key and interval of [since, until): the sums over sources of ``columns`` (rows of a
    ReplacingMergeTree written per source), keys ending with the interval start in epoch seconds."""
    where, params = window(client, since_s, until_s)
    group = ", ".join((*keys, "interval_start"))
    sums = ", ".join(f"sum({c})" for c in columns)
    rows = store.query(
        f"SELECT {', '.join(keys)}, toUInt32(interval_start), {sums} FROM {table} FINAL {where} "
        f"GROUP BY {group} HAVING {having} ORDER BY {group}",
        params,
    )
    width = len(keys) + 1
    return [((*r[: width - 1], int(r[width - 1])), [int(v) for v in r[width:]]) for r in rows]


def read_reason_vectors(
    store: ClickHouse, client: str | None = None, since_s: int | None = None, until_s: int | None = None
) -> list[tuple[ReasonKey, list[int]]]:
    keys = ("client", "queue", "channel", "reason")
    found = summed_rows(
        store, "reason_interval", keys, STORED_COLUMNS, "sum(handled) > 0", client, since_s, until_s
    )
    return cast(list[tuple[ReasonKey, list[int]]], found)


def read_agent_vectors(
    store: ClickHouse, client: str | None = None, since_s: int | None = None, until_s: int | None = None
) -> list[tuple[AgentKey, list[int]]]:
    having = "sum(handled) > 0 OR sum(available_us + busy_us + wrap_us + away_us) > 0"
    keys = ("client", "queue", "agent_id")
    found = summed_rows(store, "agent_interval", keys, AGENT_VECTOR, having, client, since_s, until_s)
    return cast(list[tuple[AgentKey, list[int]]], found)


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
