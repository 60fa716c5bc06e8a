"""The simulator's agents are the ones who handle its contacts: each agent's timeline, rebuilt from
the events alone, holds one call at a time in the state the contract names for it, and the service
level, the waits, the abandons and the occupancy measured on the stream follow the roster."""

from __future__ import annotations

import bisect
import random
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from producers.roster import Agent, TeamState
from producers.scenario import DEFAULT_SCENARIO, Client, Scenario, Team
from producers.simulator import Simulator
from schemas.stamps import parse_rfc3339
from streams.batch.compute import LineTally, compute_rows, read_events

Event = dict[str, Any]
BUSY_HOUR = datetime(2026, 11, 23, 14, tzinfo=UTC)  # 09:00 in New York: globex's morning peak
SETTLED = timedelta(minutes=45)  # long enough for the busy hour's callers to be answered or give up
GLOBEX = next(client for client in DEFAULT_SCENARIO.clients if client.name == "globex")
SALES_CALLS = next(team for team in GLOBEX.teams if (team.queue, team.channel) == ("sales", "call"))
SALES_CHATS = next(team for team in GLOBEX.teams if (team.queue, team.channel) == ("sales", "chat"))


def _alone(team: Team, agents: int | None = None) -> Scenario:
    """globex with this one team, of ``agents`` agents (its own roster without)."""
    roster = Team(team.queue, team.channel, team.daily_contacts, agents or team.agents)
    return Scenario((Client(GLOBEX.name, GLOBEX.timezone, (roster,), GLOBEX.customers),))


def _run(
    scenario: Scenario, seed: int = 7, start: datetime = BUSY_HOUR, after: timedelta = SETTLED
) -> list[Event]:
    """The events of an hour from ``start`` and of the time ``after`` it."""
    until = start + timedelta(hours=1) + after
    return [event for _, event in Simulator(start, seed=seed, scenario=scenario).events(until)]


def _at(event: Event) -> float:
    return parse_rfc3339(event["occurred_at"]).timestamp()


@dataclass(frozen=True)
class Work:
    """One contact in an agent's hands, from the events: answered (or dialled) to ended."""

    start: float
    talk_end: float
    end: float
    inbound: bool


def _work(events: list[Event]) -> dict[str, list[Work]]:
    started: dict[str, tuple[float, bool]] = {}
    work: dict[str, list[Work]] = defaultdict(list)
    for e in events:
        if e["type"] == "contact.answered":
            started[e["contact_id"]] = (_at(e), True)
        elif e["type"] == "contact.arrived" and e.get("direction") == "outbound":
            started[e["contact_id"]] = (_at(e), False)
        elif e["type"] == "contact.ended" and e["contact_id"] in started:
            start, inbound = started[e["contact_id"]]
            work[e["agent_id"]].append(Work(start, start + e["talk_s"] + e["hold_s"], _at(e), inbound))
    return {agent: sorted(items, key=lambda w: w.start) for agent, items in work.items()}


class Timeline:
    """An agent's ``agent.state`` events in time order: its state at any moment."""

    def __init__(self, events: list[Event]) -> None:
        self.changes = sorted((_at(e), e["state"]) for e in events)
        self.times = [at for at, _ in self.changes]

    def at(self, t: float) -> str | None:
        """The state at ``t``, a change at ``t`` included."""
        index = bisect.bisect_right(self.times, t) - 1
        return self.changes[index][1] if index >= 0 else None

    def before(self, t: float) -> str | None:
        index = bisect.bisect_left(self.times, t) - 1
        return self.changes[index][1] if index >= 0 else None

    def seconds_in(self, states: set[str], since: float, until: float) -> float:
        ends = [*self.times[1:], until]
        spans = zip(self.changes, ends, strict=True)
        return sum(max(0.0, min(end, until) - max(at, since)) for (at, kind), end in spans if kind in states)


def _timelines(events: list[Event]) -> dict[str, Timeline]:
    by_agent: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        if e["type"] == "agent.state":
            by_agent[e["agent_id"]].append(e)
    return {agent: Timeline(states) for agent, states in by_agent.items()}


def test_an_agent_takes_one_call_at_a_time_and_shows_what_it_does() -> None:
    """Over a busy hour: no agent holds two calls at once; an answered call rang at an agent who
    was available; the agent shows busy while talking (and on hold), wrap in after-call work,
    and never two states at one instant (the contract orders those by event id, not by intent)."""
    events = _run(_alone(SALES_CALLS))
    work, timelines = _work(events), _timelines(events)
    assert sum(len(calls) for calls in work.values()) > 60
    assert any(not w.inbound for calls in work.values() for w in calls)  # call-backs, when idle
    for agent, calls in work.items():
        timeline = timelines[agent]
        assert len(set(timeline.times)) == len(timeline.times), agent
        for before, after in zip(calls, calls[1:], strict=False):
            assert after.start >= before.end, agent
        for call in calls:
            if call.inbound:
                assert timeline.before(call.start) == "available", (agent, call)
            assert timeline.at(call.start) == "busy", (agent, call)
            assert timeline.at((call.start + call.talk_end) / 2) == "busy", (agent, call)
            assert timeline.at((call.talk_end + call.end) / 2) == "wrap", (agent, call)


def test_chats_share_an_agent_up_to_its_concurrency() -> None:
    events = _run(_alone(SALES_CHATS))
    work, timelines = _work(events), _timelines(events)
    capacity = 3
    for agent, chats in work.items():
        moments = sorted([(w.start, 1) for w in chats] + [(w.end, -1) for w in chats])
        in_hand = 0
        for _, step in moments:
            in_hand += step
            assert in_hand <= capacity, agent
        for chat in chats:
            assert timelines[agent].before(chat.start) in ("available", "busy", "wrap"), (agent, chat)
            assert timelines[agent].at((chat.start + chat.talk_end) / 2) == "busy", (agent, chat)


@dataclass(frozen=True)
class Measured:
    service_level: float
    asa_s: float
    abandoned: int
    occupancy: float


def _measured(events: list[Event]) -> Measured:
    """The busy hour's KPIs as the engine computes them, and the agents' occupancy in it."""
    lines = [orjson.dumps(e) for e in events]
    hour = BUSY_HOUR.timestamp()
    rows = [r for r in compute_rows(read_events(lines, LineTally()))
            if hour <= parse_rfc3339(r.interval_start).timestamp() < hour + 3600]  # fmt: skip
    offered = sum(r.offered - r.short_abandoned - r.self_served for r in rows)
    answered = sum(r.answered for r in rows)
    occupied = available = 0.0
    for timeline in _timelines(events).values():
        occupied += timeline.seconds_in({"busy", "wrap"}, hour, hour + 3600)
        available += timeline.seconds_in({"available"}, hour, hour + 3600)
    return Measured(
        sum(r.answered_in_sl for r in rows) / offered,
        sum(r.wait_s_sum for r in rows) / answered,
        sum(r.abandoned for r in rows),
        occupied / (occupied + available),
    )


@pytest.mark.parametrize("seed", [7, 8])
def test_fewer_agents_answer_later(seed: int) -> None:
    """The same customers (a seed brings the same demand whatever the roster) met by three agents
    fewer: the service level falls, waits and abandons grow, the remaining agents are busier."""
    staffed = _measured(_run(_alone(SALES_CALLS), seed))
    short = _measured(_run(_alone(SALES_CALLS, SALES_CALLS.agents - 3), seed))
    assert staffed.service_level > 0.8
    assert short.service_level < staffed.service_level - 0.1
    assert short.asa_s > staffed.asa_s
    assert short.abandoned > staffed.abandoned
    assert short.occupancy > staffed.occupancy


def test_an_agent_logs_in_once_a_day() -> None:
    """After its shift an agent stays offline until the next day's (it never logs straight back
    in because the next day's start time fell otherwise)."""
    start = datetime(2026, 11, 23, tzinfo=UTC)
    events = _run(_alone(SALES_CALLS), start=start, after=timedelta(days=2))
    for agent, timeline in _timelines(events).items():
        changes = zip(timeline.changes, timeline.changes[1:], strict=False)
        returns = [(back - off) for (off, state), (back, _) in changes if state == "offline"]
        assert len(returns) >= 2, agent
        assert all(gap > 8 * 3600 for gap in returns), agent


def test_the_same_seed_gives_the_same_events() -> None:
    scenario = _alone(SALES_CALLS)
    assert _run(scenario, seed=3, after=timedelta(0)) == _run(scenario, seed=3, after=timedelta(0))
    assert _run(scenario, seed=3, after=timedelta(0)) != _run(scenario, seed=4, after=timedelta(0))


def test_a_renamed_centre_is_the_same_centre() -> None:
    """The dashboards' tests load one centre under several client names and expect its numbers."""
    scenario = _alone(SALES_CALLS)
    renamed = Scenario((replace(scenario.clients[0], name="globodyne"),))
    named = orjson.dumps(_run(scenario, after=timedelta(0))).decode()
    assert orjson.dumps(_run(renamed, after=timedelta(0))).decode().replace("globodyne", "globex") == named


@pytest.mark.parametrize(
    ("talking", "wrapping", "ringing", "on_shift", "on_break", "shown", "state"),
    [
        (0, 0, 0, True, False, "offline", "available"),  # logged in, idle
        (0, 0, 1, True, False, "available", "available"),  # a chat offered, not yet accepted
        (1, 0, 0, True, False, "available", "busy"),
        (1, 2, 0, True, False, "busy", "busy"),  # talking in one chat, wrapping two others
        (0, 2, 0, True, False, "busy", "wrap"),  # every chat in hand in after-contact work
        (0, 0, 0, True, True, "available", "away"),  # a break or lunch
        (0, 0, 0, False, True, "away", "offline"),  # logged out during a break
        (0, 0, 0, False, False, "available", "offline"),
        (1, 0, 0, False, False, "busy", "busy"),  # logged out mid-call: finishes it first
        (0, 1, 0, False, False, "busy", "wrap"),
        (0, 0, 1, False, False, "available", "available"),  # a call rang as the shift ended
    ],
)
def test_an_agent_shows_what_it_does(
    talking: int, wrapping: int, ringing: int, on_shift: bool, on_break: bool, shown: str, state: str
) -> None:
    team = TeamState(GLOBEX, SALES_CHATS, random.Random(0))
    agent = Agent("a", team, 3, talking + wrapping + ringing, talking, wrapping, on_shift, on_break, shown)
    assert agent.state == state
