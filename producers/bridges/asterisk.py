"""Asterisk's ``queue_log`` as contract events: each line gives the same events every time.

A line is ``time|callid|queue|agent|event|data1|data2|…`` (written by Asterisk's
``main/logger.c``; the events and their data are ``apps/app_queue.c``'s, read on the 13, 16, 18
and 20 branches). The mapping, and why each event maps as it does, is the README's table
("Asterisk queue_log"); agents are :mod:`producers.bridges.asterisk_agents`'s.

``Queue()`` logs only calls it puts in a queue, and no line says which way a call went: the
centre's own (outbound) calls are told by what writes them. ``QueueUpdate()`` (Asterisk 15+)
writes one ``OUTCALL`` line per call; QueueMetrics' outbound dialplan and VICIdial write
``CALLOUTBOUND`` where a queued call has ``ENTERQUEUE``; older QueueMetrics and Asternic dialplans
write an ``ENTERQUEUE`` that already names the agent, which ``Queue()`` never does. A dialer that
sends answered calls into a real queue writes what an inbound call does: only the queue map can
say so (a queue's ``direction``, or ``outbound_callers``, the centre's own numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from producers.bridges.asterisk_agents import Roster, Target, interface_of
from producers.bridges.base import Account, Unreadable
from producers.bridges.ids import event_id, pseudonym
from producers.bridges.queue_map import QueueMap
from producers.envelope import EventDict, envelope

# Asterisk counts every one of these as abandoned in its own queue statistics
# (record_abandoned), but EXITWITHKEY, where the caller chose to leave by a key, and WITHDRAW, where
# an operator took the caller out (AMI QueueWithdrawCaller): the call left unanswered either way.
LEFT_UNANSWERED = ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY", "WITHDRAW", "SYSCOMPAT")
COMPLETED = ("COMPLETEAGENT", "COMPLETECALLER")
TRANSFERS = ("TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER")
MEMBERS = ("ADDMEMBER", "REMOVEMEMBER", "PAUSE", "UNPAUSE", "PAUSEALL", "UNPAUSEALL",
           "AGENTLOGIN", "AGENTCALLBACKLOGIN", "AGENTLOGOFF", "AGENTCALLBACKLOGOFF")  # fmt: skip
RUNG = ("RINGNOANSWER", "RINGCANCELED")  # a member that did not take the call: it is a member
CALLOUTBOUND = "CALLOUTBOUND"  # QueueMetrics' and VICIdial's ENTERQUEUE of an outbound call
OUTCALL = "OUTCALL"  # QueueUpdate()'s whole outbound call: status|talk time|the dialplan's params
PICKED_UP = "answer"  # app_dial's DIALSTATUS of a call picked up (any other: it was not)
NULL = "(null)"  # what glibc prints for a field the dialplan did not pass: absent
NO_AGENT = frozenset({"", "none"})  # Queue()'s ENTERQUEUE names no agent (NONE), in any case
# An OUTCALL's dialled time is the ring time and the talk time: more than this much ringing, and
# the field is not one (a dialplan that passes only the number dialled).
MAX_RING_S = 3600
RESTARTED = "QUEUESTART"  # Asterisk's first line after every start; calls it cut off got no end
# What withheld caller ids look like in real logs (an empty one, RFC 3323's anonymous, the words
# carriers and FreePBX's blacklist module use), in any case: each such call is its own customer.
WITHHELD = frozenset(
    {"", "anonymous", "restricted", "unknown", "unavailable", "private", "blocked", "withheld", "<unknown>"}
)
RESTART_REASON = "pbx-restart"  # the end of an answered call a PBX restart cut off
UNKNOWN_MEMBER = "unknown-member"  # a call line naming no member (a custom line): the contract needs one
# Anything else (ring attempts, configuration, custom events) is counted as ignored: nothing of
# a contact's KPIs (README, "Asterisk queue_log").
# Calls a follower remembers at most: a call that left for voicemail is never completed, and a
# follower runs for months.
MAX_CALLS = 100_000


class Line(NamedTuple):
    number: int  # in its file, from 1
    at_s: int
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]
    text: str  # the line as written: what the event ids are made of


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
    if not 0 <= value < 1e9:
        raise ValueError(f"{line.event}: data{index + 1} ({what}) is not a number of seconds")
    return value


def _outcall_field(line: Line, index: int) -> str:
    """A field of an ``OUTCALL`` line as the dialplan meant it: ``QueueUpdate()`` keeps the spaces
    around its arguments and prints ``(null)`` for one not given."""
    value = line.data[index].strip() if index < len(line.data) else ""
    return "" if value == NULL else value


def _outcall_talk(line: Line) -> float:
    """An ``OUTCALL``'s talk time (app_dial's ANSWEREDTIME: empty when nobody picked up)."""
    value = _outcall_field(line, 1)
    return _seconds(line._replace(data=("", value)), 1, "talk time") if value else 0.0


def _outcall_dialled(line: Line, talk_s: float) -> int | None:
    """An ``OUTCALL``'s dialled time (app_dial's DIALEDTIME, whole seconds from the dial to the
    hang-up, written without leading zeros), or None where the field is no such time."""
    value = _outcall_field(line, 2)
    if not (value.isascii() and value.isdigit()) or value != str(int(value)):
        return None
    dialled = int(value)
    return dialled if 0 <= dialled - talk_s <= MAX_RING_S else None


def transfer_of(line: Line) -> tuple[str, float]:
    """Where a transfer line sent the call, and the call's talk time.

    ``BLINDTRANSFER`` (and 11's ``TRANSFER``): extension|context|holdtime|calltime|origposition.
    ``ATTENDEDTRANSFER``: BRIDGE|bridge id, APP|application, or LINK|Local channel|its other half,
    then holdtime|calltime|origposition (app_queue's log_attended_transfer)."""
    if line.event != "ATTENDEDTRANSFER":
        ext, context = (line.data + ("", ""))[:2]
        return (f"{ext}@{context}" if context else ext) or "transfer", _seconds(line, 3, "call time")
    method = line.data[0] if line.data else ""
    if method == "LINK":  # two channels, a Local one (Local/2050@from-internal-00000011;1) names where
        links = [name for name in line.data[1:3] if name.startswith("Local/")] or list(line.data[1:2])
        target = interface_of(links[0]).removeprefix("Local/") if links else ""
        return target or "link", _seconds(line, 4, "call time")
    if method in ("BRIDGE", "APP"):
        target = line.data[1] if method == "APP" and len(line.data) > 1 else method.lower()
        return target or method.lower(), _seconds(line, 3, "call time")
    raise ValueError(f"ATTENDEDTRANSFER: method {method!r} is none of BRIDGE, APP, LINK")


@dataclass
class Call:
    """What later lines of a call need: its first queue, and whether it waits or is connected."""

    target: Target
    status: str = "waiting"  # waiting, left (exited unanswered), connected
    agent: str = ""  # the member it is connected to
    connected_s: int = 0


@dataclass
class AsteriskBridge:
    """Converts lines in the order Asterisk wrote them; keeps what later lines need (each call's
    first queue and status, the agents' identities and memberships) and accounts for the rest."""

    queues: QueueMap
    salt: str | None = None
    calls: dict[str, Call] = field(default_factory=dict)
    roster: Roster = field(default_factory=Roster)
    account: Account = field(default_factory=Account)
    _spelled: dict[str, str] = field(default_factory=dict)  # a queue's name, folded -> as first seen
    _sequence: dict[tuple[str, Target], tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.queues.hash_callers and not self.salt:
            raise ValueError("the queue map asks for hashed callers: set CCKPI_CALLER_SALT")
        self.roster.aliases = self.queues.agent_aliases()
        self._withheld = WITHHELD | {value.strip().casefold() for value in self.queues.withheld_callers}
        self._own_callers = frozenset(value.strip() for value in self.queues.outbound_callers)
        by_kind: tuple[tuple[tuple[str, ...], Callable[[Line], list[EventDict]]], ...] = (
            (("ENTERQUEUE", CALLOUTBOUND), self._entered), ((OUTCALL,), self._outcall),
            (("CONNECT",), self._connected), ((RESTARTED,), self._restarted), (COMPLETED, self._completed),
            (TRANSFERS, self._transferred), (LEFT_UNANSWERED, self._left), (MEMBERS, self._member),
            (RUNG, self._rung),
        )  # fmt: skip
        self._handlers = {event: handler for events, handler in by_kind for event in events}

    def convert_all(self, numbered: Iterable[tuple[int, str]]) -> Iterator[EventDict]:
        """The events of many lines, in order."""
        for number, text in numbered:
            yield from self.convert(number, text)

    def convert(self, number: int, record: str | bytes) -> list[EventDict]:
        """The events of one line (none for what is ignored or unreadable, which is counted)."""
        text = record.decode("utf-8", "replace") if isinstance(record, bytes) else record
        if not text.strip():
            return []
        self.account.records += 1
        parsed = parse_line(number, text)
        if isinstance(parsed, Unreadable):
            self.account.refuse(parsed)
            return []
        handler = self._handlers.get(parsed.event)
        if handler is None:
            self.account.ignored[parsed.event] += 1
            return []
        try:
            made = handler(parsed)
        except ValueError as error:
            self.account.refuse(Unreadable(number, str(error), parsed.text))
            return []
        self.account.events += len(made)
        return made

    # -- the call's events ---------------------------------------------------------------

    def _target(self, queue: str) -> Target:
        spelled = self._spelled.setdefault(queue.casefold(), queue)  # its case as first seen
        target = self.queues.target(spelled)
        if target is None:
            raise ValueError(f"queue {queue!r} is not in the queue map (and it has no default_client)")
        return target

    def _contact(self, callid: str) -> str:
        system = self.queues.system
        return f"{system}:{callid}" if system else callid

    def _event(self, line: Line, kind: str, callid: str, suffix: str = "", at_s: float | None = None,
               **extra: Any) -> EventDict:  # fmt: skip
        """A contact event of the call ``callid``, in the client and queue of its first queue, at
        the line's time unless ``at_s`` says another."""
        known = self.calls.get(callid)
        client, queue = known.target if known else self._target(line.queue)
        eid = event_id("asterisk", self.queues.system, line.text, suffix or kind)
        return envelope(eid, kind, line.at_s if at_s is None else at_s, client, queue, channel="call",
                        contact_id=self._contact(callid), **extra)  # fmt: skip

    def _call_of(self, line: Line) -> str:
        """The call a line is about. After a Local channel is optimised away (or a masquerade),
        Asterisk logs the end of a call under the caller's new uniqueid: then it is the call the
        member is connected to in that queue."""
        if line.callid in self.calls or line.callid == "NONE":
            return line.callid
        who = self.roster.identity(line.agent)
        target = self._target(line.queue)
        for callid, call in reversed(self.calls.items()):
            if call.status == "connected" and call.agent == who and call.target == target:
                return callid
        return line.callid

    def _entered(self, line: Line) -> list[EventDict]:
        """``ENTERQUEUE`` (and ``CALLOUTBOUND``): url|callerid|position[|name]."""
        target = self._target(line.queue)
        first = self.calls.get(line.callid)
        if first is None:
            self.calls[line.callid] = Call(target)
            if len(self.calls) > MAX_CALLS:
                del self.calls[next(iter(self.calls))]  # the oldest
            caller = line.data[1] if len(line.data) > 1 else ""
            own = caller.strip() in self._own_callers  # the centre's number, not the customer's
            direction = "outbound" if own or self._started_here(line) else None  # absent: inbound
            customer = self._customer(line.callid, "" if own else caller)
            return [
                self._event(line, "contact.arrived", line.callid, customer_id=customer, direction=direction)
            ]
        first.status = "waiting"
        if first.target != target:  # the call moved on to another queue (an overflow, or the dialplan)
            return [self._event(line, "contact.transferred", line.callid, to_queue=target[1])]
        self.account.ignored["ENTERQUEUE again"] += 1  # the same queue again: its first arrival stands
        return []

    def _started_here(self, line: Line) -> bool:
        """Whether a call's first line says the centre started it: its event's name, an agent
        named as it enters (which ``Queue()`` never writes), then the map's queue."""
        if line.event == CALLOUTBOUND:
            return True
        if self.queues.outbound_enterqueue_with_agent and line.agent.strip().casefold() not in NO_AGENT:
            return True
        return self.queues.direction(line.queue) == "outbound"

    def _customer(self, callid: str, caller: str) -> str:
        if caller.strip().casefold() in self._withheld:
            return f"anonymous:{self._contact(callid)}"  # withheld: a customer of its own
        if self.queues.hash_callers:
            assert self.salt is not None
            return pseudonym(caller, self.salt)
        return caller

    def _outcall(self, line: Line) -> list[EventDict]:
        """``QueueUpdate()``'s line at the hang-up of an outbound call: status|talk time|params,
        where the documented params are the dialled time (from the dial to the hang-up) and the
        number dialled. It started the dialled time before the line (else the talk time: the
        least it lasted); picked up, it ended at the line after its talk time, by the member the
        line names; else it closed unanswered (counted in nothing, kpis.md "Direction")."""
        line = line._replace(callid=line.callid.strip(), queue=line.queue.strip(), agent=line.agent.strip())
        status, number = _outcall_field(line, 0), _outcall_field(line, 3)
        talk = _outcall_talk(line)
        dialled = _outcall_dialled(line, talk)
        started = line.at_s - (talk if dialled is None else dialled)
        customer = self._customer(line.callid, number)
        arrived = self._event(line, "contact.arrived", line.callid, at_s=started, customer_id=customer,
                              direction="outbound")  # fmt: skip
        if status.casefold() != PICKED_UP:
            return [arrived, self._event(line, "contact.abandoned", line.callid)]
        who = self.roster.named(line.agent, self._target(line.queue)) or UNKNOWN_MEMBER
        ended = self._event(line, "contact.ended", line.callid, agent_id=who, talk_s=talk, hold_s=0,
                            wrap_s=0, resolved=self.queues.resolved)  # fmt: skip
        return [arrived, ended]

    def _connected(self, line: Line) -> list[EventDict]:
        """holdtime|uniqueid of the member's channel|ringtime."""
        who = self.roster.identity(line.agent) or UNKNOWN_MEMBER
        target = self._target(line.queue)
        made = [self._event(line, "contact.answered", line.callid, agent_id=who)]
        call = self.calls.get(line.callid)
        if call is not None:
            call.status, call.agent, call.connected_s = "connected", who, line.at_s
        self.roster.member(who, target)
        self.roster.busy.add(who)
        return made + self._states(line, who)

    def _ended(self, line: Line, callid: str, talk_s: float, resolved: bool, **extra: Any) -> list[EventDict]:
        call = self.calls.get(callid)
        who = call.agent if call and call.agent else self.roster.identity(line.agent) or UNKNOWN_MEMBER
        if line.queue not in ("", "NONE"):
            self.roster.member(who, self._target(line.queue))  # it took a call of this queue
        ended = self._event(line, "contact.ended", callid, agent_id=who, talk_s=talk_s, hold_s=0, wrap_s=0,
                            resolved=resolved, **extra)  # fmt: skip
        self.calls.pop(callid, None)  # done: nothing of it follows
        self.roster.busy.discard(who)
        return [ended, *self._states(line, who)]

    def _completed(self, line: Line) -> list[EventDict]:
        """holdtime|calltime|origposition."""
        callid = self._call_of(line)
        return self._ended(line, callid, _seconds(line, 1, "call time"), self.queues.resolved)

    def _transferred(self, line: Line) -> list[EventDict]:
        callid = self._call_of(line)
        to, talk = transfer_of(line)
        moved = self._event(line, "contact.transferred", callid, to_queue=to[:256])
        return [moved, *self._ended(line, callid, talk, resolved=False)]  # handed on, not solved here

    def _left(self, line: Line) -> list[EventDict]:
        call = self.calls.get(line.callid)
        if call is not None:
            call.status = "left"
        return [self._event(line, "contact.abandoned", line.callid)]

    def _restarted(self, line: Line) -> list[EventDict]:
        """Asterisk started again: a call still waiting was cut off unanswered; one connected
        was cut off at its end (its talk time until the restart: the log holds no other end)."""
        made: list[EventDict] = []
        for callid, call in list(self.calls.items()):
            if call.status == "waiting":
                made.append(self._event(line, "contact.abandoned", callid, suffix=f"restart:{callid}"))
            elif call.status == "connected":
                talk = float(max(0, line.at_s - call.connected_s))
                made += self._ended(line, callid, talk, resolved=False, reason=RESTART_REASON)
        self.calls.clear()
        if not made:
            self.account.ignored[RESTARTED] += 1
        return made

    # -- agents ------------------------------------------------------------------------------

    def _member(self, line: Line) -> list[EventDict]:
        roster, event = self.roster, line.event
        if not line.agent.strip():  # a custom line (AMI QueueLog without an interface): nobody
            self.account.ignored[f"{event} (no agent)"] += 1
            return []
        if event in ("AGENTLOGIN", "AGENTCALLBACKLOGIN"):  # data: the channel it logged in from
            who = roster.logged_in(line.agent, line.data[0] if line.data else "")
        else:
            who = roster.identity(line.agent)
        if line.queue in ("", "NONE"):  # every queue of the agent's
            if event in ("PAUSEALL", "UNPAUSEALL"):
                roster.pause_all(who, event == "PAUSEALL")
            elif event in ("AGENTLOGOFF", "AGENTCALLBACKLOGOFF"):
                roster.logged_off.add(who)
        else:
            target = self._target(line.queue)
            if event == "REMOVEMEMBER":
                roster.remove(who, target)
            elif event == "ADDMEMBER":  # a member added is there to take calls
                roster.member(who, target, paused=line.data[:1] == ("PAUSED",))
                roster.logged_off.discard(who)
            elif event in ("PAUSE", "UNPAUSE", "PAUSEALL", "UNPAUSEALL"):
                roster.member(who, target, paused=event in ("PAUSE", "PAUSEALL"))
            else:  # a login or logoff naming its queue
                roster.member(who, target)
                if event.endswith("LOGOFF"):
                    roster.logged_off.add(who)
        made = self._states(line, who)
        if not made:
            self.account.ignored[f"{event} (no change)"] += 1
        return made

    def _rung(self, line: Line) -> list[EventDict]:
        """A member rung for a call is a member of its queue, whatever else it does not say."""
        who = self.roster.identity(line.agent)
        if not who:
            self.account.ignored[line.event] += 1
            return []
        self.roster.member(who, self._target(line.queue))
        self.account.ignored[line.event] += 1
        return self._states(line, who)

    def _states(self, line: Line, who: str) -> list[EventDict]:
        """An ``agent.state`` for each queue whose state of ``who`` changed. Lines of one second
        keep their order: each event of a (agent, queue) in the same second is a millisecond later,
        as the contract orders equal times by event id, not by the log's order."""
        made = []
        for target, state in self.roster.changes(who):
            second, count = self._sequence.get((who, target), (-1, 0))
            count = count + 1 if second == line.at_s else 0
            self._sequence[(who, target)] = (line.at_s, count)
            eid = event_id("asterisk", self.queues.system, line.text, f"agent.state:{target[0]}:{target[1]}")
            made.append(envelope(eid, "agent.state", line.at_s + min(count, 999) / 1000, *target,
                                 agent_id=who, state=state))  # fmt: skip
        return made

    # -- kept with the follower's position --------------------------------------------------

    def memory(self) -> dict[str, Any]:
        """What later lines need of the lines read so far, to save with the position."""
        return {
            "calls": {
                c: [*call.target, call.status, call.agent, call.connected_s] for c, call in self.calls.items()
            },
            "roster": self.roster.memory(),
            "spelled": self._spelled,
        }

    def recall(self, memory: Mapping[str, Any]) -> None:
        """Resume from :meth:`memory`, as if the lines before had just been read."""
        self.calls = {callid: Call((client, queue), status, agent, at) for callid, (client, queue, status,
                      agent, at) in memory.get("calls", {}).items()}  # fmt: skip
        self.roster.recall(memory.get("roster", {}))
        self._spelled = dict(memory.get("spelled", {}))
