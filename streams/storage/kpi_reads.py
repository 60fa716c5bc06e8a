"""What the wallboard, the alerts, reports and audits read back: the stored KPI rows, and the
dead letters a restarted worker's alert window resumes from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schemas.kpi import KpiRow
from streams.engine.intervals import INTERVAL_S
from streams.engine.rows import CostLookup, no_cost, output_rows
from streams.engine.totals import RowKey
from streams.storage.backends.protocol import ClickHouse
from streams.storage.schema.tables import KPI_TABLE, STORED_COLUMNS


def window(client: str | None, since_s: int | None, until_s: int | None) -> tuple[str, dict[str, Any]]:
    """The WHERE clause (or nothing) and parameters of one client's rows of [since, until)."""
    conditions: list[str] = []
    params: dict[str, Any] = {}
    if client is not None:
        conditions.append("client = %(client)s")
        params["client"] = client
    if since_s is not None:
        conditions.append("interval_start >= toDateTime(%(since)s, 'UTC')")
        params["since"] = since_s
    if until_s is not None:
        conditions.append("interval_start < toDateTime(%(until)s, 'UTC')")
        params["until"] = until_s
    return (f"WHERE {' AND '.join(conditions)}" if conditions else ""), params


def read_kpi_rows(
    store: ClickHouse,
    grain: int = INTERVAL_S,
    client: str | None = None,
    since_s: int | None = None,
    until_s: int | None = None,
    per_interval: bool = True,
    formula: Callable[[str], str] | None = None,
    cost: CostLookup = no_cost,
) -> list[KpiRow]:
    """KPI rows as stored (the sum over sources of the latest partial sums).

    With ``per_interval=False`` the rows of [since, until) are summed per client, queue
    and channel, and labelled with ``since``: the figures of a rolling window or a day.
    """
    pick = formula or (lambda _client: "default")
    return output_rows(read_kpi_vectors(store, grain, client, since_s, until_s, per_interval), pick, cost)


def read_kpi_vectors(
    store: ClickHouse,
    grain: int = INTERVAL_S,
    client: str | None = None,
    since_s: int | None = None,
    until_s: int | None = None,
    per_interval: bool = True,
) -> list[tuple[RowKey, list[int]]]:
    """The stored sums of :func:`read_kpi_rows`, as engine vectors (an audit compares these)."""
    sums = ", ".join(f"sum({c})" for c in STORED_COLUMNS)
    where, params = window(client, since_s, until_s)
    start = "toUInt32(interval_start)" if per_interval else "toUInt32(0)"
    group = "client, queue, channel" + (", interval_start" if per_interval else "")
    rows = store.query(
        f"SELECT client, queue, channel, {start}, {sums} FROM {KPI_TABLE[grain]} FINAL {where} "
        f"GROUP BY {group} HAVING sum(offered) > 0 OR sum(outbound_handled) > 0 ORDER BY {group}",
        params,
    )
    label = (lambda r: int(r[3])) if per_interval else (lambda r: since_s or 0)
    return [((r[0], r[1], r[2], label(r)), [int(x) for x in r[4:]]) for r in rows]


def dead_letters_between(store: ClickHouse, topic: str, since_s: int, until_s: int) -> list[tuple[int, int]]:
    """How many of a topic's messages were turned away each second of [since, until) (wall
    clock): the dead-letter alert's window that a restarted worker resumes."""
    rows = store.query(
        "SELECT toUInt32(received_at) AS at, count() FROM dead_letters FINAL WHERE topic = %(topic)s "
        "AND received_at >= toDateTime(%(since)s, 'UTC') AND received_at < toDateTime(%(until)s, 'UTC') "
        "GROUP BY at ORDER BY at",
        {"topic": topic, "since": since_s, "until": until_s},
    )
    return [(int(at), int(count)) for at, count in rows]
