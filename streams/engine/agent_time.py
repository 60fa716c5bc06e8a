"""Agent rows (kpis.md, "Agents"): time in each state, split at interval boundaries, and the
contacts each agent handled.

A state lasts from its ``agent.state`` event to the agent's next one (ordered by
``occurred_at`` then ``event_id``, a duplicate counted once). The last known state lasts until
the latest ``occurred_at`` seen for the client, at most 12 hours: a missing log-off does not
count for ever. ``offline`` is not staffed and adds to no column.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence

from schemas.wire import AgentState
from streams.engine.contacts import ContactState
from streams.engine.intervals import INTERVAL_S, US_PER_S, interval_start
from streams.engine.kpi import CSAT_RESPONSES as KPI_CSAT_RESPONSES
from streams.engine.kpi import CSAT_SATISFIED as KPI_CSAT_SATISFIED
from streams.engine.kpi import HANDLE as KPI_HANDLE
from streams.engine.kpi import HANDLED as KPI_HANDLED
from streams.engine.kpi import Vector
from streams.engine.totals import RowTotals

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


def change_of(event: AgentState) -> Change:
    return (event.occurred_us, event.event_id, event.queue, event.state)


def split_at_intervals(start_us: int, end_us: int, interval_s: int) -> Iterator[tuple[int, int]]:
    """``[start_us, end_us)`` cut at interval boundaries: (interval_start in s, microseconds in it)."""
    at = start_us
    while at < end_us:
        start = interval_start(at, interval_s)
        until = min(end_us, (start + interval_s) * US_PER_S)
        yield start, until - at
        at = until


def add_state_time(
    rows: dict[AgentKey, list[int]], client: str, agent_id: str, queue: str, state: str,
    start_us: int, end_us: int, interval_s: int,
) -> None:  # fmt: skip
    """Add ``[start_us, end_us)`` of a state to the rows of the intervals it spans."""
    column = STATE_INDEX.get(state)
    if column is None or end_us <= start_us:
        return
    for start, spent_us in split_at_intervals(start_us, end_us, interval_s):
        key = (client, queue, agent_id, start)
        row = rows.get(key)
        if row is None:
            row = rows[key] = [0] * AGENT_WIDTH
        row[column] += spent_us


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


def handled_part(contact: ContactState, vector: Vector) -> tuple[AgentKey, Vector] | None:
    """What a handled contact adds to the row of the agent its end names (client, queue,
    agent_id, arrival us): its arrival queue and time (FCR aside: decided per customer, later)."""
    ended, arrival = contact.ended, contact.arrival
    if not vector[KPI_HANDLED] or ended is None or arrival is None or not ended.agent_id:
        return None
    part = [0] * AGENT_WIDTH
    part[HANDLED] = 1
    part[HANDLE] = vector[KPI_HANDLE]
    part[CSAT_RESPONSES] = vector[KPI_CSAT_RESPONSES]
    part[CSAT_SATISFIED] = vector[KPI_CSAT_SATISFIED]
    return (contact.client, arrival.queue, ended.agent_id, arrival.at_us), tuple(part)


def occupancy(busy_s: float, wrap_s: float, available_s: float) -> float | None:
    """The share of staffed, non-away time spent on contacts; None with no such time."""
    working = busy_s + wrap_s
    total = available_s + working
    return None if total == 0 else working / total


class AgentClock:
    """Live state time of the agents one partition owns, summed into ``totals`` (agent rows whose
    columns start with the state times).

    Each change is applied once, in any order: inserting one moves only the time after it (the
    previous state now ends there). The open state of each agent grows as the client's latest
    event time moves (:meth:`advance`). Time before ``floor_us`` (the live retention's cutoff)
    is final: rows there were written and forgotten, and are not touched again.
    """

    def __init__(self, totals: RowTotals) -> None:
        self.totals = totals
        self.timelines: dict[AgentId, list[Change]] = {}
        self.seen: dict[AgentId, set[str]] = {}
        self.agents_of: dict[str, set[AgentId]] = {}
        self.latest_us: dict[str, int] = {}  # per client, as the caller last advanced it

    def _open_end(self, client: str, at_us: int) -> int:
        return min(max(self.latest_us.get(client, at_us), at_us), at_us + LAST_STATE_CAP_US)

    def _time(
        self, agent: AgentId, queue: str, state: str, start_us: int, end_us: int, floor_us: int
    ) -> None:
        """Add (end after start) or take away (end before start) a state's time, from the floor on."""
        column = STATE_INDEX.get(state)
        sign = 1 if end_us > start_us else -1
        low, high = max(min(start_us, end_us), floor_us), max(start_us, end_us)
        if column is None or low >= high:
            return
        client, agent_id = agent
        width = len(self.totals.columns)
        for start, spent_us in split_at_intervals(low, high, INTERVAL_S):
            piece = [0] * width
            piece[column] = sign * spent_us
            self.totals.add((client, queue, agent_id, start * US_PER_S), tuple(piece))

    def knows(self, agent: AgentId, event_id: str) -> bool:
        seen = self.seen.get(agent)
        return seen is not None and event_id in seen

    def apply(self, agent: AgentId, change: Change, floor_us: int) -> bool:
        """Insert one change (once per event id); return whether it was new."""
        seen = self.seen.setdefault(agent, set())
        if change[1] in seen:
            return False
        seen.add(change[1])
        client = agent[0]
        self.agents_of.setdefault(client, set()).add(agent)
        timeline = self.timelines.setdefault(agent, [])
        index = bisect_left(timeline, change)
        at = change[0]
        end = timeline[index][0] if index < len(timeline) else self._open_end(client, at)
        if index > 0:
            prev_at, _, prev_queue, prev_state = timeline[index - 1]
            was = end if index < len(timeline) else self._open_end(client, prev_at)
            self._time(agent, prev_queue, prev_state, was, at, floor_us)  # it now ends at this change
        timeline.insert(index, change)
        self._time(agent, change[2], change[3], at, end, floor_us)
        return True

    def advance(self, client: str, latest_us: int, floor_us: int) -> None:
        """The client's latest event time moved: the agents' open states last until it."""
        before = self.latest_us.get(client)
        if before is not None and latest_us <= before:
            return
        ends = {
            agent: self._open_end(client, self.timelines[agent][-1][0])
            for agent in self.agents_of.get(client, ())
        }
        self.latest_us[client] = latest_us
        for agent, was in ends.items():
            at, _, queue, state = self.timelines[agent][-1]
            self._time(agent, queue, state, was, self._open_end(client, at), floor_us)

    def forget_before(self, floor_us: int) -> None:
        """Drop the changes whose state ended before the floor (their time is final)."""
        for agent, timeline in self.timelines.items():
            keep = next(
                (n for n in range(len(timeline) - 1) if timeline[n + 1][0] >= floor_us), len(timeline) - 1
            )
            if keep > 0:
                gone = timeline[:keep]
                del timeline[:keep]
                self.seen[agent].difference_update(change[1] for change in gone)
