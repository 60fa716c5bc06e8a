"""A seeded discrete-event simulation of a contact centre that emits contract events.

Arrivals are Poisson with an hour-of-day rate. Each queue's contacts wait, first in first out,
for one of its own agents (``producers.roster``): a call takes an agent whole, chats share one up
to the channel's concurrency, written work is taken in turn. Waits, service levels, abandons
(a caller's patience running out first), email backlogs and occupancy thus come from the
staffing, and each agent's ``agent.state`` events tell what it does: busy while talking, in
wrap-up after, available when idle, away on a break or at lunch, offline after its shift.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from producers.envelope import EventDict, envelope
from producers.roster import Agent, TeamState, Waiting
from producers.scenario import (
    COMMENTS,
    DEFAULT_SCENARIO,
    GENERIC_REASONS,
    HANDLING,
    REASONS,
    Client,
    Scenario,
    curve_of,
)
from schemas.channels import is_synchronous
from schemas.sla import SlaSettings
from schemas.stamps import local_midnight

OpenAt = Callable[[str, float], bool]  # (client, epoch seconds) -> is its centre open


def opening(sla: SlaSettings) -> OpenAt:
    """The SLA file's opening hours, as the simulator asks about them."""
    return lambda client, t: sla.is_open(client, datetime.fromtimestamp(t, UTC))


class Simulator:
    """Generates events in event-time order; iterate :meth:`events`."""

    def __init__(
        self,
        start: datetime,
        seed: int = 1,
        scenario: Scenario = DEFAULT_SCENARIO,
        open_at: OpenAt | None = None,
    ) -> None:
        """``open_at`` says when each client's centre takes calls and chats (the SLA file's
        opening hours); outside them the IVR plays the closed message and nothing arrives."""
        self.rng = random.Random(seed)
        # Wrap-up codes, effort scores, comments and lunches draw from their own stream, so
        # that a seed's traffic does not depend on them.
        self.extra = random.Random(seed * 7919 + 13)
        self.open_at = open_at
        self.scenario = scenario
        self.start = start.timestamp()
        # Contact ids carry the run (start, seed) so runs into one database never collide.
        self.run_tag = f"{start.astimezone(UTC):%y%m%d%H%M}s{seed}"
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._out: list[EventDict] = []
        self._contacts = itertools.count(1)
        self.teams: list[TeamState] = []
        for place, client in enumerate(scenario.clients):
            for order, team in enumerate(client.teams):
                # Each team's new customers, and what each needs, come from the team's own stream:
                # a seed brings the same demand whatever the rosters (and the names), so staffings
                # compare and a renamed centre is the same centre.
                demand = random.Random(f"{seed}/{place}/{order}")
                state = TeamState(client, team, demand)
                capacity = HANDLING[team.channel].capacity
                for n in range(team.agents):
                    agent_id = f"{client.name}-{team.queue}-{team.channel}-{n + 1:02d}"
                    state.agents.append(Agent(agent_id, state, capacity))
                self.teams.append(state)
        for state in self.teams:
            self._schedule_arrival(state, self.start)
            for agent in state.agents:
                self._schedule_shift(agent, self.start)

    # --- plumbing ------------------------------------------------------------------------

    def _at(self, t: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._heap, (t, next(self._seq), action))

    def _emit(self, kind: str, t: float, client: str, queue: str, **fields: Any) -> None:
        event_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        self._out.append(envelope(event_id, kind, t, client, queue, **fields))

    def _lognormal(self, median: float, sigma: float, rng: random.Random | None = None) -> float:
        return median * math.exp((rng or self.rng).gauss(0.0, sigma))

    def _local_hour(self, client: Client, t: float) -> float:
        local = datetime.fromtimestamp(t, ZoneInfo(client.timezone))
        return local.hour + local.minute / 60

    def events(self, until: datetime | None = None) -> Iterator[tuple[float, EventDict]]:
        """Yield (event time, event) in time order, until the given time if any."""
        end = math.inf if until is None else until.timestamp()
        while self._heap:
            t, _, action = heapq.heappop(self._heap)
            if t > end:
                return
            action()
            out, self._out = self._out, []
            for event in out:
                yield t, event

    # --- arrivals ------------------------------------------------------------------------

    def _rate(self, state: TeamState, t: float) -> float:
        hour = int(self._local_hour(state.client, t)) % 24
        curve = curve_of(state.team.channel)
        return state.team.daily_contacts * curve[hour] / sum(curve) / 3600

    def _schedule_arrival(self, state: TeamState, now: float) -> None:
        # Thinning: candidates at the peak rate, kept with probability rate(t) / peak.
        curve = curve_of(state.team.channel)
        peak = state.team.daily_contacts * max(curve) / sum(curve) / 3600
        t, draws = now, state.demand
        while True:
            t += draws.expovariate(peak)
            if draws.random() * peak <= self._rate(state, t):
                break
        customer = f"{state.client.name}-cust-{draws.randrange(state.client.customers):05d}"
        self._at(t, lambda: self._arrive(state, t, customer, repeat=False))

    def _arrive(self, state: TeamState, t: float, customer: str, repeat: bool) -> None:
        if not repeat:
            self._schedule_arrival(state, t)
        team, client = state.team, state.client
        if is_synchronous(team.channel) and self.open_at is not None and not self.open_at(client.name, t):
            return  # closed: the customer hears the closed message and hangs up (written work waits)
        contact_id = f"{self.run_tag}-{client.name[:2]}{team.channel[0]}-{next(self._contacts):07d}"
        self._emit(
            "contact.arrived", t, client.name, team.queue,
            channel=team.channel, contact_id=contact_id, customer_id=customer,
        )  # fmt: skip
        draws = self.rng if repeat else state.demand
        waiting = self._needs(draws, team.channel, contact_id, customer, t)
        if team.bot_share and draws.random() < team.bot_share:
            self._bot(state, waiting, t, draws)
        else:
            self._queue(state, waiting, t)

    def _needs(self, draws: random.Random, channel: str, contact_id: str, customer: str, t: float) -> Waiting:
        """A customer who waits for an agent: how long they will wait, how long they will talk."""
        rules = HANDLING[channel]
        patience = self._lognormal(rules.patience_median_s, 0.8, draws)
        talk = self._lognormal(rules.talk_median_s, rules.talk_sigma, draws)
        hold = self._lognormal(rules.hold_median_s, 0.6, draws) if draws.random() < rules.hold_share else 0.0
        wrap = self._lognormal(rules.wrap_median_s, rules.wrap_sigma, draws)
        return Waiting(contact_id, customer, t, patience, talk, hold, wrap)

    def _queue(self, state: TeamState, waiting: Waiting, t: float) -> None:
        state.queue.append(waiting)
        if math.isfinite(waiting.patience):
            gives_up = waiting.arrived + max(waiting.patience, t - waiting.arrived)
            self._at(gives_up, lambda: self._give_up(state, waiting, gives_up))
        self._dispatch(state, t)

    def _bot(self, state: TeamState, waiting: Waiting, t: float, draws: random.Random) -> None:
        """A bot takes the contact first: it closes it (self-served) or hands it to the queue."""
        behaviour, client = self.scenario.behaviour, state.client
        done = t + draws.uniform(30, 180)
        if draws.random() >= behaviour.bot_resolve_rate:
            self._at(done, lambda: self._queue(state, waiting, done))
            return
        bot = {"bot_id": f"{client.name}-{state.team.queue}-bot", "channel": state.team.channel}

        def closed() -> None:
            waiting.done = True
            self._emit("contact.self_served", done, client.name, state.team.queue,
                       contact_id=waiting.contact_id, **bot)  # fmt: skip
            if self.extra.random() < behaviour.repeat_if_resolved:  # back for a person after all
                again = done + self._lognormal(behaviour.repeat_median_s, 1.2)
                self._at(again, lambda: self._arrive(state, again, waiting.customer_id, repeat=True))

        self._at(done, closed)

    def _give_up(self, state: TeamState, waiting: Waiting, t: float) -> None:
        if waiting.done:
            return
        waiting.done = True
        state.queue.remove(waiting)
        self._emit(
            "contact.abandoned", t, state.client.name, state.team.queue,
            channel=state.team.channel, contact_id=waiting.contact_id,
        )  # fmt: skip

    # --- agents --------------------------------------------------------------------------

    def _show(self, agent: Agent, t: float) -> None:
        """An ``agent.state`` event when what the agent does has changed its state."""
        state = agent.state
        if state == agent.shown:
            return
        agent.shown = state
        team = agent.team
        self._emit("agent.state", t, team.client.name, team.team.queue, agent_id=agent.agent_id, state=state)

    def _schedule_shift(self, agent: Agent, now: float, after_logout: bool = False) -> None:
        """Log in at the shift start and out at its end, in the client's local time: at the start
        of the run an agent whose shift is under way logs in at once; after a logout, the next
        shift is the next day's (a new start time, however the jitter falls)."""
        day = local_midnight(now, agent.team.client.timezone)
        start_h, end_h = agent.team.team.shift
        jitter = self.rng.uniform(-900, 900)
        login = (day + timedelta(hours=start_h)).timestamp() + jitter
        logout = (day + timedelta(hours=end_h)).timestamp() + jitter
        if logout <= now or (after_logout and login <= now):
            login += 86_400
            logout += 86_400
        login = max(login, now)
        self._at(login, lambda: self._login(agent, login, logout))

    def _login(self, agent: Agent, t: float, logout: float) -> None:
        agent.on_shift = True
        self._at(logout, lambda: self._logout(agent, logout))
        self._schedule_break(agent, t)
        self._schedule_lunch(agent, t, logout)
        self._dispatch(agent.team, t)
        self._show(agent, t)

    def _schedule_lunch(self, agent: Agent, login: float, logout: float) -> None:
        """Lunch starts at a random moment of the local lunch window, if the shift spans it."""
        day = local_midnight(login, agent.team.client.timezone)
        first, last = self.scenario.behaviour.lunch
        at = (day + timedelta(hours=self.extra.uniform(first, last))).timestamp()
        if login < at < logout:
            self._at(at, lambda: self._lunch(agent, at))

    def _lunch(self, agent: Agent, t: float) -> None:
        if not agent.on_shift:
            return
        if agent.active or agent.on_break:  # finish the contact (or the break) first
            self._at(t + 120, lambda: self._lunch(agent, t + 120))
            return
        agent.on_break = True
        self._show(agent, t)
        back = t + self.scenario.behaviour.lunch_median_s * math.exp(self.extra.gauss(0.0, 0.2))
        self._at(back, lambda: self._back(agent, back))

    def _logout(self, agent: Agent, t: float) -> None:
        agent.on_shift = False
        self._show(agent, t)  # offline, or once the contacts in hand are done
        self._schedule_shift(agent, t + 60, after_logout=True)

    def _schedule_break(self, agent: Agent, now: float) -> None:
        rate = self.scenario.behaviour.break_rate_per_hour / 3600
        t = now + self.rng.expovariate(rate)
        self._at(t, lambda: self._take_break(agent, t))

    def _take_break(self, agent: Agent, t: float) -> None:
        if not agent.on_shift:
            return
        if agent.active or agent.on_break:
            self._schedule_break(agent, t)
            return
        agent.on_break = True
        self._show(agent, t)
        back = t + self._lognormal(self.scenario.behaviour.break_median_s, 0.4)
        self._at(back, lambda: self._back(agent, back))

    def _back(self, agent: Agent, t: float) -> None:
        agent.on_break = False
        if agent.on_shift:
            self._schedule_break(agent, t)
            self._dispatch(agent.team, t)
            self._show(agent, t)

    # --- handling ------------------------------------------------------------------------

    def _dispatch(self, state: TeamState, t: float) -> None:
        """Give waiting contacts to free agents, oldest first, least-loaded agent first; an agent
        with nobody waiting calls a customer back."""
        while state.queue or state.callbacks:
            free = [a for a in state.agents if a.free]
            if not free:
                return
            agent = min(free, key=lambda a: (a.active, a.agent_id))
            if not state.queue:
                closed = self.open_at is not None and not self.open_at(state.client.name, t)
                if agent.active or closed:  # a call-back wants an idle agent, in opening hours
                    return
                self._call_back(state, agent, state.callbacks.popleft(), t)
                continue
            waiting = state.queue.popleft()
            waiting.done = True
            self._answer(state, agent, waiting, t)

    def _call_back(self, state: TeamState, agent: Agent, customer: str, t: float) -> None:
        """An outbound call (``direction: outbound``): it counts as the agent's work only."""
        team, client, rules = state.team, state.client, HANDLING[state.team.channel]
        contact_id = f"{self.run_tag}-{client.name[:2]}o-{next(self._contacts):07d}"
        base = {"channel": team.channel, "contact_id": contact_id}
        agent.active += 1
        self._emit("contact.arrived", t, client.name, team.queue, customer_id=customer, direction="outbound",
                   **base)  # fmt: skip
        self._talk(agent, t)
        talk = self._lognormal(rules.talk_median_s * 0.6, rules.talk_sigma)
        wrap = self._lognormal(rules.wrap_median_s, rules.wrap_sigma)
        talk_end = t + talk
        ended = talk_end + wrap
        resolved = self.extra.random() < rules.resolve_rate

        def finish() -> None:
            self._emit("contact.ended", ended, client.name, team.queue, agent_id=agent.agent_id,
                       talk_s=round(talk, 3), hold_s=0.0, wrap_s=round(wrap, 3), resolved=resolved,
                       **base)  # fmt: skip
            self._done(state, agent, ended)

        self._at(talk_end, lambda: self._wrap(agent, talk_end))
        self._at(ended, finish)

    def _answer(self, state: TeamState, agent: Agent, waiting: Waiting, t: float) -> None:
        team, client, rules = state.team, state.client, HANDLING[state.team.channel]
        base = {"channel": team.channel, "contact_id": waiting.contact_id}
        agent.active += 1  # the agent's phone rings (a written contact opens) until it answers
        answered = t + (self.rng.uniform(1, 4) if is_synchronous(team.channel) else self.rng.uniform(5, 60))

        def pick_up() -> None:
            self._emit("contact.answered", answered, client.name, team.queue, agent_id=agent.agent_id, **base)
            self._talk(agent, answered)

        self._at(answered, pick_up)
        talk, hold, wrap = waiting.talk, waiting.hold, waiting.wrap
        if team.channel != "call":
            # Chat agents greet within a minute; a written reply is the work itself.
            reply = answered + (self.rng.uniform(8, 60) if team.channel == "chat" else 0.8 * talk)
            self._at(
                reply,
                lambda: self._emit(
                    "contact.replied",
                    reply,
                    client.name,
                    team.queue,
                    agent_id=agent.agent_id,
                    **base,
                ),
            )
        if self.rng.random() < self.scenario.behaviour.transfer_rate:
            moved = answered + talk * self.rng.uniform(0.1, 0.5)
            other = self.rng.choice([s.team.queue for s in self.teams if s.client is client])
            self._at(
                moved,
                lambda: self._emit(
                    "contact.transferred", moved, client.name, team.queue, to_queue=other, **base
                ),
            )
        talk_end = answered + talk + hold
        ended = talk_end + wrap
        resolved = self.rng.random() < rules.resolve_rate
        coded = self._reason(team.queue)

        def finish() -> None:
            self._emit(
                "contact.ended", ended, client.name, team.queue, agent_id=agent.agent_id,
                talk_s=round(talk, 3), hold_s=round(hold, 3), wrap_s=round(wrap, 3),
                resolved=resolved, **coded, **base,
            )  # fmt: skip
            self._after(state, waiting, ended, resolved, t - waiting.arrived)
            behaviour = self.scenario.behaviour
            if team.channel == "call" and not resolved and self.extra.random() < behaviour.callback_rate:
                due = ended + self._lognormal(behaviour.callback_median_s, 0.8)
                self._at(due, lambda: self._call_back_due(state, waiting.customer_id, due))
            self._done(state, agent, ended)

        self._at(talk_end, lambda: self._wrap(agent, talk_end))
        self._at(ended, finish)

    def _talk(self, agent: Agent, t: float) -> None:
        agent.talking += 1
        self._show(agent, t)

    def _wrap(self, agent: Agent, t: float) -> None:
        agent.talking -= 1
        agent.wrapping += 1
        self._show(agent, t)

    def _done(self, state: TeamState, agent: Agent, t: float) -> None:
        agent.wrapping -= 1
        agent.active -= 1
        self._dispatch(state, t)
        self._show(agent, t)

    def _call_back_due(self, state: TeamState, customer: str, t: float) -> None:
        state.callbacks.append(customer)
        self._dispatch(state, t)

    def _reason(self, queue: str) -> dict[str, str]:
        """The wrap-up code an agent picks, most of the time: ``{"reason": code}`` or nothing."""
        if self.extra.random() >= self.scenario.behaviour.reason_rate:
            return {}
        codes = REASONS.get(queue, GENERIC_REASONS)
        return {"reason": self.extra.choices([c for c, _ in codes], [w for _, w in codes])[0]}

    def _after(self, state: TeamState, waiting: Waiting, t: float, resolved: bool, wait: float) -> None:
        """Surveys and repeat contacts follow the end of a contact."""
        behaviour, client = self.scenario.behaviour, state.client
        if self.rng.random() < behaviour.survey_rate:
            mood = (1.2 if resolved else -1.0) - min(wait, 600) / 300 + self.rng.gauss(0, 1)
            csat = min(5, max(1, round(3.4 + mood)))
            nps = min(10, max(0, round(7.2 + 1.6 * mood)))
            scores: dict[str, Any] = {"csat": csat, "nps": nps} if self.rng.random() < 0.8 else {"nps": nps}
            if self.extra.random() < behaviour.ces_rate:
                scores["ces"] = min(7, max(1, round(4.8 + 1.2 * mood)))
            if self.extra.random() < behaviour.comment_rate:
                scores["comment"] = self.extra.choice(COMMENTS[mood > 0])
            answered_at = t + self.rng.uniform(60, 3600)
            self._at(
                answered_at,
                lambda: self._emit(
                    "survey.answered",
                    answered_at,
                    client.name,
                    state.team.queue,
                    channel=state.team.channel,
                    contact_id=waiting.contact_id,
                    **scores,
                ),
            )
        chance = behaviour.repeat_if_resolved if resolved else behaviour.repeat_if_unresolved
        if self.rng.random() < chance:
            again = t + self._lognormal(behaviour.repeat_median_s, 1.2)
            options = [s for s in self.teams if s.client is client]
            target = self.rng.choice(options)
            self._at(again, lambda: self._arrive(target, again, waiting.customer_id, repeat=True))
