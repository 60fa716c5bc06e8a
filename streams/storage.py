"""How engine state maps to ClickHouse rows, and back: the only module that knows the columns."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from schemas.kpi import KpiRow
from schemas.sla import SlaSettings
from schemas.wire import AgentState, ContactEvent
from streams.agents import AgentStatus
from streams.clickhouse import ClickHouse
from streams.contacts import Arrival, ContactState, Ending, Survey
from streams.intervals import INTERVAL_S, interval_start
from streams.kpi import COLUMNS
from streams.retention import LateEvent, Retention
from streams.rows import output_rows
from streams.totals import RowKey

STORED_COLUMNS: tuple[str, ...] = tuple(c.replace("_s_sum", "_us_sum") for c in COLUMNS)
KPI_TABLE = {900: "kpi_interval", 60: "kpi_minute"}
KPI_KEY_COLUMNS = ("client", "queue", "channel", "interval_start", "source", "version")
KPI_COLUMNS = (*KPI_KEY_COLUMNS, *STORED_COLUMNS)

CONTACT_STATE_COLUMNS = (
    "client", "contact_id", "queue", "channel", "customer_id",
    "arrived_us", "arrived_id", "answered_us", "answered_id", "abandoned_us", "abandoned_id",
    "replied_us", "replied_id", "ended_us", "ended_id", "talk_us", "hold_us", "wrap_us",
    "resolved", "survey_us", "survey_id", "csat", "nps", "last_event_us",
)  # fmt: skip
CONTACT_COLUMNS = (
    "version", "kafka_partition", "customer_partition", "interval_start", *CONTACT_STATE_COLUMNS
)  # fmt: skip
RAW_COLUMNS = (
    "client", "occurred_at", "occurred_us", "event_id", "type", "queue", "channel",
    "contact_id", "agent_id", "customer_id", "payload", "kafka_partition", "kafka_offset",
    "ingested_at",
)  # fmt: skip
AGENT_COLUMNS = (
    "client",
    "agent_id",
    "version",
    "event_id",
    "queue",
    "channel",
    "state",
    "changed_at",
)
SLA_TARGET_COLUMNS = (
    "client", "queue", "channel", "version", "timezone", "sl_formula", "sl_threshold_s", "sl_target",
    "short_abandon_s", "abandon_rate_max", "aht_target_s", "fcr_target", "csat_target",
    "first_response_target_s",
)  # fmt: skip
WATERMARK_COLUMNS = ("stage", "stage_partition", "before_us", "after_us", "next_offset", "version")
LAG_COLUMNS = ("observed_at", "worker", "topic", "kafka_partition", "highwater", "position", "lag")
LATE_COLUMNS = (
    "client", "contact_id", "event_id", "type", "occurred_at", "occurred_us", "stage", "reason",
    "watermark_us", "recorded_at",
)  # fmt: skip
DEAD_LETTER_COLUMNS = (
    "topic",
    "kafka_partition",
    "kafka_offset",
    "received_at",
    "reason",
    "payload",
)


def customer_partition(client: str, customer_id: str, partitions: int) -> int:
    """Stage two's partition for a customer: stable across processes and restarts."""
    return zlib.crc32(f"{client}\x1f{customer_id}".encode()) % partitions


def _slot(slot: tuple[int, str] | None) -> tuple[int | None, str]:
    return (None, "") if slot is None else slot


def state_values(c: ContactState) -> list[Any]:
    """A contact state as a flat list in CONTACT_STATE_COLUMNS order (also the fact wire form)."""
    a, e, s = c.arrival, c.ended, c.survey
    return [
        c.client, c.contact_id,
        a.queue if a else "", a.channel if a else "", a.customer_id if a else "",
        a.at_us if a else None, a.event_id if a else "",
        *_slot(c.answered), *_slot(c.abandoned), *_slot(c.replied),
        e.at_us if e else None, e.event_id if e else "",
        e.talk_us if e else 0, e.hold_us if e else 0, e.wrap_us if e else 0, int(bool(e and e.resolved)),
        s.at_us if s else None, s.event_id if s else "",
        s.csat if s else None, s.nps if s else None,
        c.last_event_us,
    ]  # fmt: skip


def state_from_values(v: Sequence[Any]) -> ContactState:
    """Inverse of :func:`state_values`."""
    (client, contact_id, queue, channel, customer, arr_us, arr_id, ans_us, ans_id, ab_us, ab_id,
     rep_us, rep_id, end_us, end_id, talk, hold, wrap, resolved, sv_us, sv_id, csat, nps,
     last) = v  # fmt: skip
    return ContactState(
        client=client,
        contact_id=contact_id,
        arrival=None if arr_us is None else Arrival(arr_us, arr_id, queue, channel, customer),
        answered=None if ans_us is None else (ans_us, ans_id),
        abandoned=None if ab_us is None else (ab_us, ab_id),
        replied=None if rep_us is None else (rep_us, rep_id),
        ended=None if end_us is None else Ending(end_us, end_id, talk, hold, wrap, bool(resolved)),
        survey=None if sv_us is None else Survey(sv_us, sv_id, csat, nps),
        last_event_us=last,
    )


def contact_row(c: ContactState, version: int, partition: int, partitions: int) -> list[Any]:
    a = c.arrival
    start = interval_start(a.at_us) if a else 0
    stage_two = customer_partition(c.client, a.customer_id, partitions) if a else 0
    return [version, partition, stage_two, start, *state_values(c)]


def kpi_table(grain: int, columns: tuple[str, ...]) -> str:
    """Where rows of these engine columns go: a KPI table, or (a subset) ``table.col1,col2``,
    which the writer inserts into the table naming only those columns (the rest are 0)."""
    table = KPI_TABLE[grain]
    return table if columns == COLUMNS else f"{table}.{','.join(columns)}"


def kpi_columns(table: str) -> tuple[str, ...]:
    """The stored columns of a :func:`kpi_table` name."""
    _, _, subset = table.partition(".")
    if not subset:
        return KPI_COLUMNS
    return (*KPI_KEY_COLUMNS, *(c.replace("_s_sum", "_us_sum") for c in subset.split(",")))


def kpi_rows(changed: list[tuple[RowKey, list[int]]], source: str, version: int) -> list[list[Any]]:
    return [[*key, source, version, *vector] for key, vector in changed]


def raw_row(
    event: ContactEvent | AgentState, payload: bytes, partition: int, offset: int, now: int
) -> list[Any]:
    at = event.occurred_us
    if isinstance(event, AgentState):
        channel, contact, agent, customer = event.channel or "", "", event.agent_id, ""
    else:
        channel, contact = event.channel, event.contact_id
        agent, customer = event.agent_id or "", event.customer_id or ""
    return [event.client, at // 1_000_000, at, event.event_id, event.type, event.queue, channel, contact,
            agent, customer, payload.decode("utf-8"), partition, offset, now]  # fmt: skip


def late_row(late: LateEvent, stage: str, watermark_us: int, now: int) -> list[Any]:
    return [late.client, late.contact_id, late.event_id, late.type, late.occurred_us // 1_000_000,
            late.occurred_us, stage, late.reason, watermark_us, now]  # fmt: skip


def agent_row(status: AgentStatus) -> list[Any]:
    return [status.client, status.agent_id, status.at_us, status.event_id, status.queue,
            status.channel, status.state, status.at_us // 1_000_000]  # fmt: skip


def sla_target_row(sla: SlaSettings, client: str, queue: str, channel: str, version: int) -> list[Any]:
    """The targets in force for one (client, queue, channel), as dashboards read them."""
    t = sla.thresholds(client, queue, channel)
    first = None if t.first_response_target_us is None else t.first_response_target_us / 1e6
    return [
        client, queue, channel, version, t.timezone, sla.formula(client), t.sl_threshold_us / 1e6,
        t.sl_target, t.short_abandon_us / 1e6, t.abandon_rate_max, t.aht_target_s, t.fcr_target,
        t.csat_target, first,
    ]  # fmt: skip


def watermark_row(
    stage: str, partition: int, before_us: int, after_us: int, next_offset: int, version: int
) -> list[Any]:
    return [stage, partition, before_us, after_us, next_offset, version]


def resume_watermark(before_us: int, after_us: int, next_offset: int, first_offset: int) -> int:
    """Where a restarted stage resumes a partition whose first message now is ``first_offset``:
    after the last batch written if that batch was committed, before it if it is read again."""
    return after_us if first_offset >= next_offset else before_us


def load_watermark(store: ClickHouse, stage: str, partition: int, first_offset: int) -> int:
    """The watermark a stage resumes a partition at (0: nothing stored, the stage starts afresh)."""
    rows = store.query(
        "SELECT before_us, after_us, next_offset FROM stage_watermarks FINAL "
        "WHERE stage = %(stage)s AND stage_partition = %(p)s",
        {"stage": stage, "p": partition},
    )
    if not rows:
        return 0
    ((before_us, after_us, next_offset),) = rows
    return resume_watermark(int(before_us), int(after_us), int(next_offset), first_offset)


def load_contacts(
    store: ClickHouse, column: str, partition: int, keep: Retention | None = None, watermark_us: int = 0
) -> list[ContactState]:
    """Reload the contact states of one partition (stage one) or customer partition (two).

    With ``keep`` (the retention; for stage two plus the FCR window) only live state comes
    back: contacts active within it of the stage's watermark, and every contact of the
    intervals they are anchored in or after, so that the rows rebuilt from them equal the
    rows stored. Older intervals stay evicted. The watermark is the stage's own (see
    :func:`load_watermark`), never the newest event stored: storage may hold contacts the
    stage has not yet caught up with, and a horizon taken from them would leave out contacts
    the stage still needs.
    """
    assert column in ("kafka_partition", "customer_partition")
    where, params = f"{column} = %(p)s", {"p": partition}
    if keep is not None:
        since, open_since = watermark_us - keep.closed_us, watermark_us - keep.open_us
        ((active, oldest),) = store.query(
            f"SELECT count(), min(toUInt32(interval_start)) FROM contacts WHERE {where} "
            "AND arrived_us IS NOT NULL AND (last_event_us >= %(since)s OR (last_event_us >= %(open)s "
            "AND ended_us IS NULL AND abandoned_us IS NULL))",
            {**params, "since": since, "open": open_since},
        )
        live_from = interval_start(since)
        if active:
            live_from = min(live_from, int(oldest))
        where += (
            " AND (interval_start >= toDateTime(%(from)s, 'UTC')"
            " OR (arrived_us IS NULL AND last_event_us >= %(since)s))"
        )
        params.update({"since": since, "from": max(live_from, 0)})
    # Ordered by version: an orphan's old row comes before the row that replaced it.
    rows = store.query(
        f"SELECT {', '.join(CONTACT_STATE_COLUMNS)} FROM contacts FINAL WHERE {where} ORDER BY version",
        params,
    )
    return [state_from_values(row) for row in rows]


class RestoringStage(Protocol):
    """What :func:`load_state` needs to know of a live stage."""

    name: str
    partition_column: str

    @property
    def keeps(self) -> Retention | None: ...


def load_state(
    store: ClickHouse, stage: RestoringStage, partition: int, first_offset: int
) -> tuple[int, list[ContactState]]:
    """The watermark a stage resumes a partition at, and the contacts live at it."""
    watermark_us = load_watermark(store, stage.name, partition, first_offset)
    return watermark_us, load_contacts(store, stage.partition_column, partition, stage.keeps, watermark_us)


def read_kpi_rows(
    store: ClickHouse,
    grain: int = INTERVAL_S,
    client: str | None = None,
    since_s: int | None = None,
    until_s: int | None = None,
    per_interval: bool = True,
    formula: Callable[[str], str] | None = None,
) -> list[KpiRow]:
    """KPI rows as stored (the sum over sources of the latest partial sums).

    With ``per_interval=False`` the rows of [since, until) are summed per client, queue
    and channel, and labelled with ``since``: the figures of a rolling window or a day.
    """
    pick = formula or (lambda _client: "default")
    return output_rows(read_kpi_vectors(store, grain, client, since_s, until_s, per_interval), pick)


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
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    start = "toUInt32(interval_start)" if per_interval else "toUInt32(0)"
    group = "client, queue, channel" + (", interval_start" if per_interval else "")
    rows = store.query(
        f"SELECT client, queue, channel, {start}, {sums} FROM {KPI_TABLE[grain]} FINAL {where} "
        f"GROUP BY {group} HAVING sum(offered) > 0 ORDER BY {group}",
        params,
    )
    label = (lambda r: int(r[3])) if per_interval else (lambda r: since_s or 0)
    return [((r[0], r[1], r[2], label(r)), [int(x) for x in r[4:]]) for r in rows]
