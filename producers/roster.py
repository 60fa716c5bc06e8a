"""The simulated centre's people: each team's agents, what each has in hand, and who waits."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field

from producers.scenario import Client, Team


@dataclass
class Agent:
    """One agent of a team; the state it shows follows the contacts in its hands."""

    agent_id: str
    team: TeamState
    capacity: int  # contacts handled at once: 1 for a call, the concurrency for chats
    active: int = 0  # contacts in hand: offered to it (ringing), in talk, or in wrap-up
    talking: int = 0  # of those, in talk (typing, on hold)
    wrapping: int = 0  # of those, in after-contact work
    on_shift: bool = False
    on_break: bool = False
    shown: str | None = None  # the state of its latest agent.state event

    @property
    def free(self) -> bool:
        return self.on_shift and not self.on_break and self.active < self.capacity

    @property
    def state(self) -> str:
        """The contract's state of what the agent does now: busy while talking to anyone, in
        wrap-up once every contact in hand is in after-contact work, available while idle or
        while a contact rings, away on a break, offline once logged out with nothing in hand
        (an agent whose shift ends mid-contact, or while one rings, finishes it first)."""
        if self.talking:
            return "busy"
        if self.wrapping:
            return "wrap"
        if not self.on_shift:
            return "offline" if self.active == 0 or self.shown is None else self.shown
        return "away" if self.on_break else "available"


@dataclass
class Waiting:
    """A customer waiting for an agent, with what they will need of one (seconds)."""

    contact_id: str
    customer_id: str
    arrived: float
    patience: float  # how long they wait before giving up (inf: never)
    talk: float
    hold: float
    wrap: float
    done: bool = False  # answered or abandoned


@dataclass
class TeamState:
    """One team at work: its agents, its contacts waiting first in first out, and the
    customers its agents call back when idle."""

    client: Client
    team: Team
    demand: random.Random  # the team's new customers and their needs, whatever its roster
    agents: list[Agent] = field(default_factory=list)
    queue: deque[Waiting] = field(default_factory=deque)
    callbacks: deque[str] = field(default_factory=deque)  # customers to call back, oldest first
