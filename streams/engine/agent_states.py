"""Agents by their latest state: the latest ``agent.state`` in event time wins, in any order."""

from __future__ import annotations

from msgspec import Struct

from schemas.wire import AgentState


class AgentStatus(Struct, frozen=True, gc=False):
    """One agent's latest state (a struct, made once an agent event: cheaper than a frozen dataclass)."""

    client: str
    agent_id: str
    at_us: int
    event_id: str
    queue: str
    channel: str
    state: str


class AgentBoard:
    """Latest state per (client, agent_id), and which changed since the last flush."""

    def __init__(self) -> None:
        self.agents: dict[tuple[str, str], AgentStatus] = {}
        self.changed: set[tuple[str, str]] = set()

    def apply(self, event: AgentState, replaces: bool = False) -> bool:
        """Show the event if it is the agent's latest, or (``replaces``) the winning copy of the
        event shown (``streams.engine.contact_copies``)."""
        key = (event.client, event.agent_id)
        known = self.agents.get(key)
        at = event.occurred_us
        replacing = known is not None and replaces and known.event_id == event.event_id
        if known is not None and not replacing and (at, event.event_id) <= (known.at_us, known.event_id):
            return False
        self.agents[key] = AgentStatus(
            event.client,
            event.agent_id,
            at,
            event.event_id,
            event.queue,
            event.channel or "",
            event.state,
        )
        self.changed.add(key)
        return True

    def take_changed(self) -> list[AgentStatus]:
        changed = [self.agents[key] for key in sorted(self.changed)]
        self.changed.clear()
        return changed
