"""What a restarted worker reads back to resume a partition: its watermark, the open contacts
and the agent events its stage holds (see ``streams.stages.stage``)."""

from __future__ import annotations

from typing import NamedTuple

from schemas.wire import AgentState, parse_events
from streams.engine.agent_time import LAST_STATE_CAP_US, AgentKey
from streams.engine.contacts import ContactState
from streams.engine.intervals import US_PER_S, interval_start
from streams.engine.retention import Retention
from streams.stages.contact_stage import agent_time_source
from streams.stages.stage import Stage
from streams.storage.backends.protocol import ClickHouse
from streams.storage.schema.tables import CONTACT_STATE_COLUMNS, state_from_values


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


def load_agent_events(
    store: ClickHouse, partition: int, floor_us: int | None = None
) -> list[tuple[AgentState, bytes]]:
    """The agent changes of a partition in the raw archive that were not turned away as late: the
    changes counted in the agent rows (written before the archive). With a live floor (see
    :func:`agent_floor_us`), those whose time can reach it: every change from 12 hours before it
    (a last state lasts at most 12 hours), and each agent's latest one in each queue before that
    (it lasts until the next change in that queue)."""
    base = (
        "FROM raw_events WHERE kafka_partition = %(p)s AND type = 'agent.state' AND event_id NOT IN "
        "(SELECT event_id FROM late_events WHERE type = 'agent.state' AND stage = 'contacts')"
    )
    params = {"p": partition}
    if floor_us is None:
        rows = store.query(f"SELECT payload {base}", params)
    else:
        params["since"] = floor_us - LAST_STATE_CAP_US
        rows = store.query(f"SELECT payload {base} AND occurred_us >= %(since)s", params)
        rows += store.query(
            f"SELECT payload {base} AND occurred_us < %(since)s "
            "ORDER BY occurred_us DESC, event_id DESC LIMIT 1 BY client, queue, agent_id",
            params,
        )
    payloads = [payload.encode() if isinstance(payload, str) else payload for (payload,) in rows]
    parsed = parse_events(payloads)  # each with its bytes: copies of one id are settled again
    return [
        (event, raw) for event, raw in zip(parsed, payloads, strict=True) if isinstance(event, AgentState)
    ]


class Restored(NamedTuple):
    watermark_us: int
    contacts: list[ContactState]
    agent_events: list[tuple[AgentState, bytes]]  # each change with its archived bytes
    latest_us: dict[str, int]  # per client: the latest event time written
    agent_rows: list[AgentKey]  # keys of the partition's agent state-time rows from the floor on


def load_state(store: ClickHouse, stage: Stage, partition: int, first_offset: int) -> Restored:
    """The watermark a stage resumes a partition at, the contacts live at it, and (stage one)
    the agent changes already counted."""
    watermark_us = load_watermark(store, stage.name, partition, first_offset)
    contacts = load_contacts(store, stage.partition_column, partition, stage.keeps, watermark_us)
    if not stage.restores_agents:
        return Restored(watermark_us, contacts, [], {}, [])
    floor_us = None if stage.keeps is None else agent_floor_us(stage.keeps, watermark_us)
    agents = load_agent_events(store, partition, floor_us)
    latest = store.query("SELECT client, max(latest_us) FROM client_latest GROUP BY client")
    written = load_agent_rows(store, partition, floor_us or 0)
    return Restored(watermark_us, contacts, agents, {client: int(at) for client, at in latest}, written)


def agent_floor_us(keep: Retention, watermark_us: int) -> int:
    """Where a restored partition's agent time becomes live: the interval of its cutoff."""
    return interval_start(watermark_us - keep.closed_us) * US_PER_S


def load_agent_rows(store: ClickHouse, partition: int, floor_us: int) -> list[AgentKey]:
    """The keys of a partition's agent state-time rows stored from the floor on (written again
    by its new owner: see :meth:`streams.stages.contact_stage.ContactStage.restore`)."""
    rows = store.query(
        "SELECT DISTINCT client, queue, agent_id, toUInt32(interval_start) FROM agent_interval "
        "WHERE source = %(source)s AND interval_start >= toDateTime(%(floor)s, 'UTC')",
        {"source": agent_time_source(partition), "floor": max(floor_us // US_PER_S, 0)},  # 18.16 wraps < 0
    )
    return [(client, queue, agent_id, int(start)) for client, queue, agent_id, start in rows]
