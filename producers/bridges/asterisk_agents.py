"""Queue members as agents: one identity per person, and a state in every queue they are in.

Asterisk names one member differently on different lines: under its defaults ``ADDMEMBER`` and
``REMOVEMEMBER`` log the interface (``PJSIP/2003``, ``Local/2003@from-queue/n``) while ``PAUSE``,
``CONNECT`` and the call's other lines log the member name (``Carol``); ``AGENTLOGIN`` logs the
agent's id (``1001``) while its queue lines say ``Agent/1001``. The roster folds these into one
identity: from the log where it writes both (``AGENTLOGIN`` names the agent and the channel it
logged in from; ``Agent/<id>`` is that agent), and from the queue map's ``agents`` section.

A member's state is one per queue it is a member of: offline once logged off or removed, busy
while on a call (in every queue: a person on a call takes no other), away while paused in that
queue, available otherwise. Membership is learned from the lines that show it (added, paused,
rung, connected), as static members are never logged as added. Each change is an
``agent.state`` event per queue whose state changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Target = tuple[str, str]  # (client, queue) in cckpi
# A channel's name is its interface and a counter (PJSIP/1001-0000000a; Local/..-0000001a;1).
_CHANNEL = re.compile(r"^(?P<interface>.+)-[0-9a-f]{8}(;[12])?$")
AGENT_PREFIX = "Agent/"  # app_agent_pool's member interface for agent <id>


def interface_of(channel: str) -> str:
    """The interface a channel belongs to (``PJSIP/1001-0000000a`` is ``PJSIP/1001``)."""
    found = _CHANNEL.match(channel)
    return found.group("interface") if found else channel


@dataclass
class Roster:
    """Agents' identities, the queues each is a member of, and the state last told per queue."""

    aliases: Mapping[str, str] = field(default_factory=dict)  # from the queue map: name -> agent
    learned: dict[str, str] = field(default_factory=dict)  # from the log
    queues: dict[str, set[Target]] = field(default_factory=dict)
    paused: dict[str, set[Target]] = field(default_factory=dict)
    busy: set[str] = field(default_factory=set)
    logged_off: set[str] = field(default_factory=set)
    told: dict[tuple[str, Target], str] = field(default_factory=dict)  # the last state sent

    def identity(self, name: str) -> str:
        """The one id of the person a line names, however it names them."""
        name = name.strip()
        known = self.aliases.get(name) or self.learned.get(name)
        if known is not None:
            return known
        if name.startswith(AGENT_PREFIX) and len(name) > len(AGENT_PREFIX):
            return self.identity(name[len(AGENT_PREFIX) :])
        return name

    def named(self, name: str, target: Target) -> str:
        """The one id of the person a name means in ``target``, the name in any case (as
        ``QueueUpdate()`` finds the member it logs): a known name first, a member of that queue
        before any other; the name's own :meth:`identity` when none is known."""
        who = self.identity(name)
        folded = name.strip().casefold()
        known = [
            agent
            for alias, agent in (*self.aliases.items(), *self.learned.items())
            if alias.casefold() == folded
        ]
        known += [agent for agent in self.queues if agent.casefold() == folded]
        members = [agent for agent in (who, *known) if target in self.queues.get(agent, ())]
        return (members or known or [who])[0]

    def logged_in(self, agent: str, channel: str) -> str:
        """``AGENTLOGIN``: the agent id and the channel it logged in from name one person."""
        who = self.identity(agent)
        for alias in (f"{AGENT_PREFIX}{agent}", interface_of(channel)):
            if alias and alias not in self.aliases:
                self.learned.setdefault(alias, who)
        self.logged_off.discard(who)
        return who

    def state(self, who: str, target: Target) -> str:
        if who in self.logged_off or target not in self.queues.get(who, ()):
            return "offline"
        if who in self.busy:
            return "busy"
        return "away" if target in self.paused.get(who, ()) else "available"

    def member(self, who: str, target: Target, paused: bool | None = None) -> None:
        """``who`` is a member of ``target`` (paused there, if said)."""
        self.queues.setdefault(who, set()).add(target)
        if paused is not None:
            mine = self.paused.setdefault(who, set())
            if paused:
                mine.add(target)
            else:
                mine.discard(target)

    def remove(self, who: str, target: Target) -> None:
        """``who`` is no member of ``target`` any more (its state there: offline)."""
        self.queues.get(who, set()).discard(target)
        self.paused.get(who, set()).discard(target)

    def pause_all(self, who: str, paused: bool) -> None:
        self.paused[who] = set(self.queues.get(who, ())) if paused else set()

    def targets(self, who: str) -> set[Target]:
        """The queues whose state of ``who`` may have changed: where it is a member, or was told."""
        told = {target for (agent, target) in self.told if agent == who}
        return told | self.queues.get(who, set())

    def changes(self, who: str, targets: Iterable[Target] | None = None) -> list[tuple[Target, str]]:
        """The (queue, state) of ``who`` that differ from what was last told, now told."""
        found = []
        for target in sorted(self.targets(who) if targets is None else targets):
            now = self.state(who, target)
            if self.told.get((who, target), "offline") != now:
                self.told[(who, target)] = now
                found.append((target, now))
        return found

    # -- kept with the follower's position --------------------------------------------------

    def memory(self) -> dict[str, Any]:
        def pairs(sets: dict[str, set[Target]]) -> dict[str, list[list[str]]]:
            return {who: sorted(map(list, targets)) for who, targets in sets.items() if targets}

        return {
            "learned": self.learned,
            "queues": pairs(self.queues),
            "paused": pairs(self.paused),
            "busy": sorted(self.busy),
            "logged_off": sorted(self.logged_off),
            "told": [[who, *target, state] for (who, target), state in sorted(self.told.items())],
        }

    def recall(self, memory: Mapping[str, Any]) -> None:
        def sets(pairs: Mapping[str, list[list[str]]]) -> dict[str, set[Target]]:
            return {who: {(client, queue) for client, queue in targets} for who, targets in pairs.items()}

        self.learned = dict(memory.get("learned", {}))
        self.queues = sets(memory.get("queues", {}))
        self.paused = sets(memory.get("paused", {}))
        self.busy = set(memory.get("busy", []))
        self.logged_off = set(memory.get("logged_off", []))
        self.told = {(who, (client, queue)): state for who, client, queue, state in memory.get("told", [])}
