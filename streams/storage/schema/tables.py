"""How the engine's objects map to ClickHouse rows, and back: the only module that knows the columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from schemas.wire import AgentState
from streams.engine.agent_states import AgentStatus
from streams.engine.contact_copies import SLOT_TYPES
from streams.engine.contacts import Arrival, ContactState, Ending, Survey
from streams.engine.contributions import COLUMNS
from streams.engine.intervals import INTERVAL_S, MINUTE_S, US_PER_S, interval_start
from streams.engine.reasons import split_lane
from streams.stages.output import (
    ChangedContact,
    DeadLetter,
    Late,
    Received,
    RowChanges,
    StageMark,
    TargetsInForce,
)

STORED_COLUMNS: tuple[str, ...] = tuple(c.replace("_s_sum", "_us_sum") for c in COLUMNS)
KPI_TABLE = {INTERVAL_S: "kpi_interval", MINUTE_S: "kpi_minute"}
KPI_KEY_COLUMNS = ("client", "queue", "channel", "interval_start", "source", "version")
KPI_COLUMNS = (*KPI_KEY_COLUMNS, *STORED_COLUMNS)
# The tables of the other kinds of rows (15-minute grain only) and their key columns.
ROW_TABLES = {"reasons": "reason_interval", "agents": "agent_interval"}
ROW_KEY_COLUMNS = {
    "kpi": KPI_KEY_COLUMNS,
    "reasons": ("client", "queue", "channel", "reason", "interval_start", "source", "version"),
    "agents": ("client", "queue", "agent_id", "interval_start", "source", "version"),
}

CONTACT_STATE_COLUMNS = (
    "client", "contact_id", "queue", "channel", "customer_id",
    "arrived_us", "arrived_id", "answered_us", "answered_id", "abandoned_us", "abandoned_id",
    "replied_us", "replied_id", "ended_us", "ended_id", "talk_us", "hold_us", "wrap_us",
    "resolved", "survey_us", "survey_id", "csat", "nps", "last_event_us",
    "transferred_us", "transferred_id", "ended_agent", "reason", "ces", "copies", "spares",
    "outbound", "self_served_us", "self_served_id",
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
    "first_response_target_s", "hourly_cost", "currency", "chat_concurrency", "alerts_enabled",
    "alert_min_offered", "alert_longest_wait_s", "alert_max_lag", "alert_max_dead_letters_15m",
    "resolution_target_s",
)  # fmt: skip
LATEST_COLUMNS = ("client", "latest_us")
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


def _slot(slot: tuple[int, str] | None) -> tuple[int | None, str]:
    return (None, "") if slot is None else slot


def state_values(c: ContactState) -> list[Any]:
    """A contact state as a flat list in CONTACT_STATE_COLUMNS order."""
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
        *_slot(c.transferred), e.agent_id if e else "", (e.reason or "") if e else "", s.ces if s else None,
        c.copies.hex(), spares_text(c.spares),
        int(bool(a and a.outbound)), *_slot(c.self_served),
    ]  # fmt: skip


def state_from_values(v: Sequence[Any]) -> ContactState:
    """Inverse of :func:`state_values`."""
    (client, contact_id, queue, channel, customer, arr_us, arr_id, ans_us, ans_id, ab_us, ab_id,
     rep_us, rep_id, end_us, end_id, talk, hold, wrap, resolved, sv_us, sv_id, csat, nps,
     last, tr_us, tr_id, agent, reason, ces, copies, spares, outbound, ss_us, ss_id) = v  # fmt: skip
    return ContactState(
        client=client,
        contact_id=contact_id,
        arrival=None if arr_us is None else Arrival(arr_us, arr_id, queue, channel, customer, bool(outbound)),
        answered=None if ans_us is None else (ans_us, ans_id),
        abandoned=None if ab_us is None else (ab_us, ab_id),
        replied=None if rep_us is None else (rep_us, rep_id),
        ended=None
        if end_us is None
        else Ending(end_us, end_id, talk, hold, wrap, bool(resolved), agent, reason or None),
        survey=None if sv_us is None else Survey(sv_us, sv_id, csat, nps, ces),
        last_event_us=last,
        transferred=None if tr_us is None else (tr_us, tr_id),
        copies=bytes.fromhex(copies or ""),
        spares=spares_of(spares or ""),
        self_served=None if ss_us is None else (ss_us, ss_id),
    )


def spares_text(spares: tuple[tuple[int, Any], ...]) -> str:
    """A contact's events that hold no slot, as stored (JSON; empty for none)."""
    return msgspec.json.encode(spares).decode() if spares else ""


def spares_of(text: str) -> tuple[tuple[int, Any], ...]:
    """Inverse of :func:`spares_text`."""
    if not text:
        return ()
    found = []
    for kind, value in msgspec.json.decode(text):
        shape = SLOT_TYPES.get(kind)
        found.append((kind, msgspec.convert(value, shape) if shape else (value[0], value[1])))
    return tuple(found)


def contact_row(changed: ChangedContact, version: int) -> list[Any]:
    c = changed.contact
    start = interval_start(c.arrival.at_us) if c.arrival else 0
    return [version, changed.partition, changed.customer_partition, start, *state_values(c)]


def row_table(changes: RowChanges) -> str:
    return KPI_TABLE[changes.grain] if changes.kind == "kpi" else ROW_TABLES[changes.kind]


def kpi_columns(columns: tuple[str, ...], kind: str = "kpi") -> tuple[str, ...]:
    """The stored columns of rows holding these engine columns (stage two's: fcr_success only;
    a table's other columns are then 0)."""
    return (*ROW_KEY_COLUMNS[kind], *(c.replace("_s_sum", "_us_sum") for c in columns))


def kpi_rows(changes: RowChanges, version: int) -> list[list[Any]]:
    """Changed rows in the column order of :func:`kpi_columns`; a reason row's lane split in two."""
    source = changes.source
    if changes.kind == "reasons":
        return [[client, queue, *split_lane(lane), start, source, version, *vector]
                for (client, queue, lane, start), vector in changes.rows]  # fmt: skip
    return [[*key, source, version, *vector] for key, vector in changes.rows]


def raw_row(received: Received, now: int) -> list[Any]:
    event, payload, partition, offset = received
    at = event.occurred_us
    if isinstance(event, AgentState):
        channel, contact, agent, customer = event.channel or "", "", event.agent_id, ""
    else:
        channel, contact = event.channel, event.contact_id
        agent, customer = event.agent_id or "", event.customer_id or ""
    return [event.client, at // US_PER_S, at, event.event_id, event.type, event.queue, channel, contact,
            agent, customer, payload.decode("utf-8"), partition, offset, now]  # fmt: skip


def late_row(entry: Late, now: int) -> list[Any]:
    late, stage, watermark_us = entry
    return [late.client, late.contact_id, late.event_id, late.type, late.occurred_us // US_PER_S,
            late.occurred_us, stage, late.reason, watermark_us, now]  # fmt: skip


def dead_letter_row(letter: DeadLetter, topic: str, now: int) -> list[Any]:
    return [
        topic,
        letter.partition,
        letter.offset,
        now,
        letter.reason,
        letter.payload.decode("utf-8", "replace"),
    ]


def agent_row(status: AgentStatus) -> list[Any]:
    return [status.client, status.agent_id, status.at_us, status.event_id, status.queue,
            status.channel, status.state, status.at_us // US_PER_S]  # fmt: skip


def sla_target_row(targets: TargetsInForce, version: int) -> list[Any]:
    """The targets in force for one (client, queue, channel), as dashboards read them."""
    client, queue, channel, t, formula, max_lag, max_dead_letters = targets
    first = None if t.first_response_target_us is None else t.first_response_target_us / US_PER_S
    return [
        client, queue, channel, version, t.timezone, formula, t.sl_threshold_us / US_PER_S,
        t.sl_target, t.short_abandon_us / US_PER_S, t.abandon_rate_max, t.aht_target_s, t.fcr_target,
        t.csat_target, first, t.hourly_cost, t.currency, t.chat_concurrency, int(t.alerts_enabled),
        t.alert_min_offered, t.alert_longest_wait_us / US_PER_S, max_lag, max_dead_letters,
        t.resolution_target_s,
    ]  # fmt: skip


def watermark_row(mark: StageMark, version: int) -> list[Any]:
    return [*mark, version]
