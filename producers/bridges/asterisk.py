"""Asterisk's ``queue_log`` as contract events: each line gives the same events every time.

A line is ``time|callid|queue|agent|event|data1|data2|…`` (written by Asterisk's
``main/logger.c``; the events and their data are ``apps/app_queue.c``'s). The mapping, and why
each event maps as it does, is the README's table ("Asterisk queue_log").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from producers.bridges.ids import event_id, pseudonym
from producers.bridges.queue_map import QueueMap
from producers.simulator import rfc3339

# Asterisk counts every one of these as abandoned in its own queue statistics
# (record_abandoned), but EXITWITHKEY, where the caller chose to leave by a key: the customer
# gave up waiting either way.
LEFT_UNANSWERED = ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY", "WITHDRAW", "SYSCOMPAT")
COMPLETED = ("COMPLETEAGENT", "COMPLETECALLER")
TRANSFERS = ("TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER")
# State changes of queue members: the agent's state after each.
AGENT_STATES = {
    "AGENTLOGIN": "available", "AGENTCALLBACKLOGIN": "available", "ADDMEMBER": "available",
    "UNPAUSE": "available", "UNPAUSEALL": "available",
    "PAUSE": "away", "PAUSEALL": "away",
    "AGENTLOGOFF": "offline", "AGENTCALLBACKLOGOFF": "offline", "REMOVEMEMBER": "offline",
}  # fmt: skip
# Anything else (ring attempts, configuration, outbound calls, custom events) is counted as
# ignored: nothing of an inbound contact's KPIs (README, "Asterisk queue_log").
# Calls a follower remembers (their first queue) at most: a call that left for voicemail is
# never completed, and a follower runs for months.
MAX_CALLS = 100_000
MAX_KEPT = 1000  # unreadable lines kept for the report (all are counted)


class Line(NamedTuple):
    number: int  # in its file, from 1
    at_s: int
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]
    text: str  # the line as written: what the event ids are made of


class Unreadable(NamedTuple):
    number: int
    reason: str
    text: str


def parse_line(number: int, text: str) -> Line | Unreadable:
    """One line of queue_log, or why it cannot be read."""
    text = text.rstrip("\r\n")
    fields = text.split("|")
    if len(fields) < 5:
        return Unreadable(number, f"{len(fields)} fields, not time|callid|queue|agent|event|…", text)
    at, callid, queue, agent, event = fields[:5]
    if not at.isdigit():
        return Unreadable(number, f"time {at!r} is not epoch seconds", text)
    if not event:
        return Unreadable(number, "no event name", text)
    return Line(number, int(at), callid, queue, agent, event, tuple(fields[5:]), text)


def _seconds(line: Line, index: int, what: str) -> float:
    try:
        value = float(line.data[index])
    except (IndexError, ValueError):
        raise ValueError(f"{line.event}: data{index + 1} ({what}) is not a number") from None
    if value < 0:
        raise ValueError(f"{line.event}: data{index + 1} ({what}) is negative")
    return value


@dataclass
class AsteriskBridge:
    """Converts lines in the order Asterisk wrote them; keeps what later lines need (the first
    queue of each call, who is paused) and counts what it ignored or could not read."""

    queues: QueueMap
    salt: str | None = None
    calls: dict[str, tuple[str, str]] = field(default_factory=dict)  # callid -> first (client, queue)
    paused: set[tuple[str, str]] = field(default_factory=set)  # (client, agent)
    ignored: Counter[str] = field(default_factory=Counter)
    unreadable: list[Unreadable] = field(default_factory=list)  # the first MAX_KEPT of them
    unreadable_count: int = 0
    last_unreadable: Unreadable | None = None
    lines: int = 0
    events: int = 0

    def __post_init__(self) -> None:
        if self.queues.hash_callers and not self.salt:
            raise ValueError("the queue map asks for hashed callers: set CCKPI_CALLER_SALT")

    def convert(self, numbered: Iterable[tuple[int, str]]) -> Iterator[dict[str, Any]]:
        """The events of many lines, in order."""
        for number, text in numbered:
            if text.strip():
                yield from self.line(number, text)

    def line(self, number: int, text: str) -> list[dict[str, Any]]:
        """The events of one line (none for what is ignored or unreadable, which is counted)."""
        self.lines += 1
        parsed = parse_line(number, text)
        if isinstance(parsed, Unreadable):
            self._unreadable(parsed)
            return []
        handler = self._handler(parsed.event)
        if handler is None:
            self.ignored[parsed.event] += 1
            return []
        try:
            made = handler(parsed)
        except ValueError as error:
            self._unreadable(Unreadable(number, str(error), parsed.text))
            return []
        self.events += len(made)
        return made

    def _unreadable(self, line: Unreadable) -> None:
        self.unreadable_count += 1
        self.last_unreadable = line
        if len(self.unreadable) < MAX_KEPT:
            self.unreadable.append(line)

    def _handler(self, event: str) -> Callable[[Line], list[dict[str, Any]]] | None:
        if event == "ENTERQUEUE":
            return self._entered
        if event == "CONNECT":
            return self._connected
        if event in COMPLETED:
            return self._completed
        if event in TRANSFERS:
            return self._transferred
        if event in LEFT_UNANSWERED:
            return self._left
        if event in AGENT_STATES:
            return self._agent
        return None

    # -- the call's events ---------------------------------------------------------------

    def _target(self, line: Line) -> tuple[str, str]:
        target = self.queues.target(line.queue)
        if target is None:
            raise ValueError(f"queue {line.queue!r} is not in the queue map (and it has no default_client)")
        return target

    def _call(self, line: Line, kind: str, suffix: str = "", **extra: Any) -> dict[str, Any]:
        """A contact event of the line's call, in the client and queue of its first queue."""
        client, queue = self.calls.get(line.callid) or self._target(line)
        return {
            "event_id": event_id("asterisk", self.queues.system, line.text, suffix or kind),
            "schema_version": 1, "type": kind, "occurred_at": rfc3339(line.at_s),
            "client": client, "channel": "call", "queue": queue, "contact_id": self._contact(line),
            **extra,
        }  # fmt: skip

    def _contact(self, line: Line) -> str:
        system = self.queues.system
        return f"{system}:{line.callid}" if system else line.callid

    def _entered(self, line: Line) -> list[dict[str, Any]]:
        target = self._target(line)
        first = self.calls.get(line.callid)
        if first is None:
            self.calls[line.callid] = target
            if len(self.calls) > MAX_CALLS:
                del self.calls[next(iter(self.calls))]  # the oldest
            return [self._call(line, "contact.arrived", customer_id=self._customer(line))]
        if first != target:  # the call moved on to another queue (an overflow, or the dialplan)
            return [self._call(line, "contact.transferred", to_queue=target[1])]
        self.ignored["ENTERQUEUE again"] += 1  # the same queue again: its first arrival stands
        return []

    def _customer(self, line: Line) -> str:
        caller = line.data[1] if len(line.data) > 1 else ""  # url|callerid|position[|name]
        if not caller:
            return f"anonymous:{self._contact(line)}"  # no number: a customer of its own
        if self.queues.hash_callers:
            assert self.salt is not None
            return pseudonym(caller, self.salt)
        return caller

    def _connected(self, line: Line) -> list[dict[str, Any]]:
        return [
            self._call(line, "contact.answered", agent_id=line.agent),
            self._state(line, "busy", self.calls.get(line.callid)),
        ]

    def _ended(self, line: Line, talk_s: float, resolved: bool) -> list[dict[str, Any]]:
        ended = self._call(line, "contact.ended", agent_id=line.agent, talk_s=talk_s, hold_s=0, wrap_s=0,
                           resolved=resolved)  # fmt: skip
        target = self.calls.get(line.callid)
        after = "away" if target and (target[0], line.agent) in self.paused else "available"
        return [ended, self._state(line, after, target)]

    def _completed(self, line: Line) -> list[dict[str, Any]]:
        made = self._ended(line, _seconds(line, 1, "call time"), self.queues.resolved)
        self.calls.pop(line.callid, None)  # done: nothing of it follows
        return made

    def _transferred(self, line: Line) -> list[dict[str, Any]]:
        if line.event == "ATTENDEDTRANSFER":  # method|data|holdtime|calltime|origposition
            target, talk = line.data[1] if len(line.data) > 1 else "", _seconds(line, 3, "call time")
        else:  # extension|context|holdtime|calltime[|origposition]
            ext, context = (line.data + ("", ""))[:2]
            target, talk = f"{ext}@{context}" if context else ext, _seconds(line, 3, "call time")
        moved = self._call(line, "contact.transferred", to_queue=target or line.event.lower())
        return [moved, *self._ended(line, talk, resolved=False)]  # handed on, not solved here

    def _left(self, line: Line) -> list[dict[str, Any]]:
        return [self._call(line, "contact.abandoned")]

    # -- agents ------------------------------------------------------------------------------

    def _state(self, line: Line, state: str, target: tuple[str, str] | None) -> dict[str, Any]:
        client, queue = target or self._agent_target(line)
        return {
            "event_id": event_id("asterisk", self.queues.system, line.text, f"agent.state:{state}"),
            "schema_version": 1, "type": "agent.state", "occurred_at": rfc3339(line.at_s),
            "client": client, "queue": queue, "agent_id": line.agent, "state": state,
        }  # fmt: skip

    def _agent_target(self, line: Line) -> tuple[str, str]:
        if line.queue in ("", "NONE"):  # all queues at once (PAUSEALL, AGENTLOGIN): the default client
            if self.queues.default_client is None:
                raise ValueError(f"{line.event} names no queue: set default_client in the queue map")
            return self.queues.default_client, "all"
        return self._target(line)

    def _agent(self, line: Line) -> list[dict[str, Any]]:
        state = AGENT_STATES[line.event]
        if line.event == "ADDMEMBER" and line.data[:1] == ("PAUSED",):
            state = "away"
        client, queue = self._agent_target(line)
        if state == "away":
            self.paused.add((client, line.agent))
        else:
            self.paused.discard((client, line.agent))
        return [self._state(line, state, (client, queue))]
