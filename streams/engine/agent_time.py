"""Agent rows (kpis.md, "Agents"): time in each state, split at interval boundaries, and the
contacts each agent handled.

A state lasts from its ``agent.state`` event to the agent's next one (ordered by
``occurred_at`` then ``event_id``, a duplicate counted once). The last known state lasts until
the latest ``occurred_at`` seen for the client, at most 12 hours: a missing log-off does not
count for ever. ``offline`` is not staffed and adds to no column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from streams.engine.contacts import ContactState
from streams.engine.intervals import US_PER_S, interval_start
from streams.engine.kpi import CSAT_RESPONSES as KPI_CSAT_RESPONSES
from streams.engine.kpi import CSAT_SATISFIED as KPI_CSAT_SATISFIED
from streams.engine.kpi import HANDLE as KPI_HANDLE
from streams.engine.kpi import HANDLED as KPI_HANDLED
from streams.engine.kpi import Vector

STATES: tuple[str, ...] = ("available", "busy", "wrap", "away")  # the staffed states, in column order
STATE_INDEX = {state: i for i, state in enumerate(STATES)}
# The contact columns after the state times, in this order.
HANDLED_COLUMNS: tuple[str, ...] = (
    "handled",
    "handle_us_sum",
    "fcr_success",
    "csat_responses",
    "csat_satisfied",
)
AGENT_VECTOR: tuple[str, ...] = tuple(f"{s}_us" for s in STATES) + HANDLED_COLUMNS  # an agent row vector
AGENT_WIDTH = len(AGENT_VECTOR)
HANDLED, HANDLE, FCR_SUCCESS, CSAT_RESPONSES, CSAT_SATISFIED = range(len(STATES), AGENT_WIDTH)
LAST_STATE_CAP_US = 12 * 3600 * US_PER_S

AgentKey = tuple[str, str, str, int]  # client, queue, agent_id, interval_start (epoch s)
AgentId = tuple[str, str]  # client, agent_id
Change = tuple[int, str, str, str]  # occurred_us, event_id, queue, state


def add_state_time(
    rows: dict[AgentKey, list[int]], client: str, agent_id: str, queue: str, state: str,
    start_us: int, end_us: int, interval_s: int,
) -> None:  # fmt: skip
    """Add ``[start_us, end_us)`` of a state to the rows of the intervals it spans."""
    column = STATE_INDEX.get(state)
    if column is None or end_us <= start_us:
        return
    at = start_us
    while at < end_us:
        start = interval_start(at, interval_s)
        until = min(end_us, (start + interval_s) * US_PER_S)
        key = (client, queue, agent_id, start)
        row = rows.get(key)
        if row is None:
            row = rows[key] = [0] * AGENT_WIDTH
        row[column] += until - at
        at = until


def ordered(changes: Iterable[Change]) -> list[Change]:
    """One agent's changes in event order, each event once (a redelivery is the same event)."""
    seen: set[str] = set()
    kept = []
    for change in sorted(changes):
        if change[1] not in seen:
            seen.add(change[1])
            kept.append(change)
    return kept


def agent_state_rows(
    changes: Mapping[AgentId, Sequence[Change]],
    latest_us: Mapping[str, int],
    interval_s: int,
    rows: dict[AgentKey, list[int]] | None = None,
) -> dict[AgentKey, list[int]]:
    """Sum every agent's state time into its rows. ``changes`` are each agent's, in event order
    (see :func:`ordered`); ``latest_us`` is the latest event time seen per client."""
    rows = {} if rows is None else rows
    for (client, agent_id), timeline in changes.items():
        for n, (at_us, _, queue, state) in enumerate(timeline):
            if n + 1 < len(timeline):
                end_us = timeline[n + 1][0]
            else:
                end_us = min(latest_us.get(client, at_us), at_us + LAST_STATE_CAP_US)
            add_state_time(rows, client, agent_id, queue, state, at_us, end_us, interval_s)
    return rows


def handled_part(contact: ContactState, vector: Vector, interval_s: int) -> tuple[AgentKey, Vector] | None:
    """What a handled contact adds to the row of the agent its end names, in its arrival
    interval and queue (FCR aside: it is decided per customer, later)."""
    ended, arrival = contact.ended, contact.arrival
    if not vector[KPI_HANDLED] or ended is None or arrival is None or not ended.agent_id:
        return None
    part = [0] * AGENT_WIDTH
    part[HANDLED] = 1
    part[HANDLE] = vector[KPI_HANDLE]
    part[CSAT_RESPONSES] = vector[KPI_CSAT_RESPONSES]
    part[CSAT_SATISFIED] = vector[KPI_CSAT_SATISFIED]
    return (contact.client, arrival.queue, ended.agent_id, interval_start(arrival.at_us, interval_s)), tuple(
        part
    )


def occupancy(busy_s: float, wrap_s: float, available_s: float) -> float | None:
    """The share of staffed, non-away time spent on contacts; None with no such time."""
    working = busy_s + wrap_s
    total = available_s + working
    return None if total == 0 else working / total
