"""Agent rows (kpis.md, "Agents"): time in each state, split at interval boundaries, and the
contacts each agent handled.

A state lasts from its ``agent.state`` event to the agent's next one in the same queue (ordered
by ``occurred_at`` then ``event_id``, a duplicate counted once): an agent who is a member of
several queues has a state in each, as telephony platforms keep one per queue membership, and
staffs each. The last known state lasts until the latest ``occurred_at`` seen for the client, at
most 12 hours: a missing log-off does not count for ever. ``offline`` is not staffed and adds to
no column.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence

from schemas.wire import AgentState
from streams.engine.contacts import ContactState
from streams.engine.contributions import CSAT_RESPONSES as KPI_CSAT_RESPONSES
from streams.engine.contributions import CSAT_SATISFIED as KPI_CSAT_SATISFIED
from streams.engine.contributions import HANDLE as KPI_HANDLE
from streams.engine.contributions import HANDLED as KPI_HANDLED
from streams.engine.contributions import OUTBOUND_HANDLE as KPI_OUTBOUND_HANDLE
from streams.engine.contributions import OUTBOUND_HANDLED as KPI_OUTBOUND_HANDLED
from streams.engine.contributions import Vector
from streams.engine.intervals import US_PER_S, interval_start
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
AgentId = tuple[str, str, str]  # client, queue, agent_id: one timeline per queue membership
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
    for (client, _, agent_id), timeline in changes.items():
        for n, (at_us, _, queue, state) in enumerate(timeline):
            if n + 1 < len(timeline):
                end_us = timeline[n + 1][0]
            else:
                end_us = min(latest_us.get(client, at_us), at_us + LAST_STATE_CAP_US)
            add_state_time(rows, client, agent_id, queue, state, at_us, end_us, interval_s)
    return rows


def handled_part(contact: ContactState, vector: Vector) -> tuple[AgentKey, Vector] | None:
    """What a handled contact adds to the row of the agent its end names (client, queue,
    agent_id, arrival us): its arrival queue and time (FCR aside: decided per customer, later).
    The centre's outbound contacts count too: work is work (kpis.md "Direction")."""
    ended, arrival = contact.ended, contact.arrival
    worked = vector[KPI_HANDLED] or vector[KPI_OUTBOUND_HANDLED]
    if not worked or ended is None or arrival is None or not ended.agent_id:
        return None
    part = [0] * AGENT_WIDTH
    part[HANDLED] = 1
    part[HANDLE] = vector[KPI_HANDLE] + vector[KPI_OUTBOUND_HANDLE]
    part[CSAT_RESPONSES] = vector[KPI_CSAT_RESPONSES]
    part[CSAT_SATISFIED] = vector[KPI_CSAT_SATISFIED]
    return (contact.client, arrival.queue, ended.agent_id, arrival.at_us), tuple(part)


def occupancy(busy: float, wrap: float, available: float) -> float | None:
    """The share of staffed, non-away time spent on contacts; None with no such time. In any one
    unit: seconds in each state over a period, or agents in each state now."""
    working = busy + wrap
    total = available + working
    return None if total == 0 else working / total


class AgentClock:
    """Live state time of the agents one partition owns, summed into ``totals`` (agent rows whose
    columns start with the state times).

    Each change is applied once, in any order: inserting one moves only the time after it (the
    previous state now ends there). The open state of each agent (its last change on) lasts
    until the client's latest event time: :meth:`advance` puts it in the totals, and a later
    change takes it out again once. Between the two, changes add only the closed time between
    them, so a partition read hours behind its client's latest event (a backlog read one
    partition after another) costs hours of rows per agent per batch, not per change. Time
    before ``floor_us`` (the live retention's cutoff) is final: rows there were written and
    forgotten, and are not touched again.
    """

    def __init__(self, totals: RowTotals) -> None:
        self.totals = totals
        self.timelines: dict[AgentId, list[Change]] = {}
        # Each change's counting copy: event id -> (rank, content digest), as for contacts
        # (streams.engine.contact_copies); and the losing contents, dead-lettered once.
        self.seen: dict[AgentId, dict[str, tuple[int, int]]] = {}
        self.lost: dict[AgentId, set[tuple[str, int]]] = {}
        self.agents_of: dict[str, set[AgentId]] = {}
        self.latest_us: dict[str, int] = {}  # per client, as the caller last advanced it
        self.open: dict[AgentId, tuple[int, int]] = {}  # the open state's time in the totals
        self.unsettled: set[AgentId] = set()  # agents whose open state is not (all) in the totals

    def _open_end(self, client: str, at_us: int) -> int:
        return min(max(self.latest_us.get(client, at_us), at_us), at_us + LAST_STATE_CAP_US)

    def _time(
        self, agent: AgentId, queue: str, state: str, start_us: int, end_us: int, floor_us: int
    ) -> None:
        """Add (end after start) or take away (end before start) a state's time, from the floor on."""
        column = STATE_INDEX.get(state)
        if column is not None:
            self._move(agent, queue, ((column, 1 if end_us > start_us else -1),), start_us, end_us, floor_us)

    def _move(
        self, agent: AgentId, queue: str, moves: tuple[tuple[int, int], ...], start_us: int, end_us: int,
        floor_us: int,
    ) -> None:  # fmt: skip
        low, high = max(min(start_us, end_us), floor_us), max(start_us, end_us)
        if low < high:
            self.totals.add_span((agent[0], queue, agent[2]), moves, low, high)

    def _switch(
        self, agent: AgentId, old: tuple[str, str], new: tuple[str, str], start_us: int, end_us: int,
        floor_us: int,
    ) -> None:  # fmt: skip
        """Over ``[start_us, end_us)``, the time was the ``old`` (queue, state)'s and is now the
        ``new`` one's: one pass over the span when the queue stays (the usual change)."""
        if old[0] == new[0]:
            moves = tuple((STATE_INDEX[state], sign) for state, sign in ((old[1], -1), (new[1], 1))
                          if state in STATE_INDEX)  # fmt: skip
            if moves:
                self._move(agent, new[0], moves, start_us, end_us, floor_us)
            return
        self._time(agent, old[0], old[1], end_us, start_us, floor_us)
        self._time(agent, new[0], new[1], start_us, end_us, floor_us)

    def knows(self, agent: AgentId, event_id: str) -> bool:
        seen = self.seen.get(agent)
        return seen is not None and event_id in seen

    def copy_of(self, agent: AgentId, event_id: str) -> tuple[int, int] | None:
        """The (rank, content digest) of the counting copy of a change, if known."""
        seen = self.seen.get(agent)
        return None if seen is None else seen.get(event_id)

    def apply(self, agent: AgentId, change: Change, floor_us: int, rank: int = 0, digest: int = 0) -> bool:
        """Insert one change (once per event id); return whether it was new. Its open state
        counts from the next :meth:`advance` of its client."""
        seen = self.seen.setdefault(agent, {})
        if change[1] in seen:
            return False
        seen[change[1]] = (rank, digest)
        self.agents_of.setdefault(agent[0], set()).add(agent)
        timeline = self.timelines.setdefault(agent, [])
        index = bisect_left(timeline, change)
        at = change[0]
        if index == len(timeline):  # the latest change: the previous state now ends here
            if timeline:
                self._close(agent, floor_us)
                prev_at, _, prev_queue, prev_state = timeline[-1]
                self._time(agent, prev_queue, prev_state, prev_at, at, floor_us)
            timeline.append(change)
            self.unsettled.add(agent)
            return True
        end = timeline[index][0]  # an earlier change: it takes over part of a closed state
        timeline.insert(index, change)
        if index > 0:
            _, _, prev_queue, prev_state = timeline[index - 1]
            self._switch(agent, (prev_queue, prev_state), (change[2], change[3]), at, end, floor_us)
        else:
            self._time(agent, change[2], change[3], at, end, floor_us)
        return True

    def replace(self, agent: AgentId, change: Change, floor_us: int, rank: int, digest: int) -> None:
        """A copy of a change with other content and a smaller rank takes the counting copy's
        place: the old change is taken out (its time given back to the state before it), the
        new one put in."""
        old = self.seen[agent][change[1]]
        self.lost.setdefault(agent, set()).add((change[1], old[1]))
        self.lost[agent].discard((change[1], digest))
        self.remove(agent, change[1], floor_us)
        self.apply(agent, change, floor_us, rank, digest)

    def remove(self, agent: AgentId, event_id: str, floor_us: int) -> None:
        """Take one change out of an agent's timeline: the inverse of :meth:`apply`."""
        timeline = self.timelines[agent]
        index = next(n for n, change in enumerate(timeline) if change[1] == event_id)
        at, _, queue, state = timeline[index]
        if index == len(timeline) - 1:  # the latest: its open time out, the previous state open again
            self._close(agent, floor_us)
            timeline.pop()
            if timeline:
                prev_at, _, prev_queue, prev_state = timeline[-1]
                self._time(agent, prev_queue, prev_state, at, prev_at, floor_us)  # its closed span out
                self.unsettled.add(agent)
            else:
                self.unsettled.discard(agent)
        else:
            end = timeline[index + 1][0]
            if index > 0:
                _, _, prev_queue, prev_state = timeline[index - 1]
                self._switch(agent, (queue, state), (prev_queue, prev_state), at, end, floor_us)
            else:
                self._time(agent, queue, state, end, at, floor_us)
            del timeline[index]
        self.seen[agent].pop(event_id, None)

    def _close(self, agent: AgentId, floor_us: int) -> None:
        """Take the open state's time out of the totals (a later change ends it)."""
        held = self.open.pop(agent, None)
        if held is not None:
            _, _, queue, state = self.timelines[agent][-1]
            self._time(agent, queue, state, held[1], held[0], floor_us)

    def _settle(self, agent: AgentId, floor_us: int) -> None:
        """Make the totals hold the open state's time until the client's latest event."""
        at, _, queue, state = self.timelines[agent][-1]
        end = self._open_end(agent[0], at)
        held = self.open.get(agent)
        self._time(agent, queue, state, at if held is None else held[1], end, floor_us)
        self.open[agent] = (at, end)
        self.unsettled.discard(agent)

    def advance(self, client: str, latest_us: int, floor_us: int) -> None:
        """The client's latest event time (maybe) moved: the agents' open states last until it."""
        before = self.latest_us.get(client)
        if before is None or latest_us > before:
            self.latest_us[client] = latest_us
            agents: Iterable[AgentId] = self.agents_of.get(client, ())
        else:
            agents = [agent for agent in self.unsettled if agent[0] == client]
        for agent in list(agents):
            self._settle(agent, floor_us)

    def forget_before(self, floor_us: int) -> None:
        """Drop the changes whose state ended before the floor (their time is final)."""
        for agent, timeline in self.timelines.items():
            keep = next(
                (n for n in range(len(timeline) - 1) if timeline[n + 1][0] >= floor_us), len(timeline) - 1
            )
            if keep > 0:
                gone = timeline[:keep]
                del timeline[:keep]
                seen = self.seen[agent]
                for change in gone:
                    seen.pop(change[1], None)
