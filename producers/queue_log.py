"""Contract events of calls written back as Asterisk would log them: the simulator's way to
feed ``cckpi bridge asterisk`` a realistic ``queue_log`` (and its queue map) end to end.

Only what Asterisk records survives: calls (not chats, emails or surveys), whole seconds, talk
time without hold and wrap-up, no resolution. Lines are written at close, in time order, as
Asterisk writes them; a call's queue is ``<client>-<queue>``, mapped back by the queue map file.
An outbound call (an agent's call-back) is one ``OUTCALL`` line at its hang-up, as Asterisk's
``QueueUpdate()`` writes it in the ``h`` extension: status, talk time, then the documented
params, the dialled time and the number dialled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from schemas.stamps import parse_rfc3339

# The agent states a queue member's log shows (busy is CONNECT's; wrap-up is not logged).
_MEMBER_EVENT = {"available": "UNPAUSE", "away": "PAUSE", "offline": "REMOVEMEMBER"}


class QueueLogOutput:
    """An event output (``producers.outputs.EventOutput``) writing ``queue_log`` and its map."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.map_path = path.with_name(path.name + ".queues.yaml")
        self._lines: list[tuple[int, int, str]] = []  # (time, order written, line)
        self._arrived: dict[str, int] = {}  # call -> its ENTERQUEUE time
        self._outbound: dict[str, tuple[int, str]] = {}  # outbound call -> its dial time, the customer
        self._queues: dict[str, dict[str, str]] = {}
        self._members: set[str] = set()
        self.sent = 0

    def _queue(self, event: dict[str, Any]) -> str:
        name = f"{event['client']}-{event['queue']}"
        self._queues.setdefault(name, {"client": event["client"], "queue": event["queue"]})
        return name

    def _log(self, at: float, call: str, queue: str, agent: str, name: str, *data: object) -> None:
        line = "|".join((str(int(at)), call, queue, agent, name, *map(str, data)))
        self._lines.append((int(at), len(self._lines), line))

    def send(self, event: dict[str, Any]) -> None:
        self.sent += 1
        kind, at = event["type"], parse_rfc3339(event["occurred_at"]).timestamp()
        if kind == "agent.state":
            self._member(event, at)
            return
        if event.get("channel") != "call":
            return
        call, queue, agent = event["contact_id"], self._queue(event), event.get("agent_id", "NONE")
        if kind == "contact.arrived" and event.get("direction") == "outbound":
            self._outbound[call] = (int(at), event["customer_id"])
            return
        if call in self._outbound:
            self._outcall(event, at, queue)
            return
        waited = int(at) - self._arrived.get(call, int(at))
        if kind == "contact.arrived":
            self._arrived[call] = int(at)
            self._log(at, call, queue, "NONE", "ENTERQUEUE", "", event["customer_id"], 1)
        elif kind == "contact.answered":
            self._log(at, call, queue, agent, "CONNECT", waited, f"{call}.1", 1)
        elif kind == "contact.abandoned":
            self._log(at, call, queue, "NONE", "ABANDON", 1, 1, waited)
        elif kind == "contact.transferred":  # to another queue: Asterisk logs it entering that one
            moved = self._queue({**event, "queue": event["to_queue"]})
            self._log(at, call, moved, "NONE", "ENTERQUEUE", "", "", 1)
        elif kind == "contact.ended":  # hung up when the talk ended; wrap-up follows unlogged
            talk = event["talk_s"] + event["hold_s"]
            self._log(at - event["wrap_s"], call, queue, agent, "COMPLETEAGENT", waited, round(talk), 1)

    def _outcall(self, event: dict[str, Any], at: float, queue: str) -> None:
        """An outbound call's end: ``QueueUpdate()``'s one line, the agent's; whole seconds, so
        that the dialled time leads back to the second it was dialled, and holds the talk."""
        call, kind = event["contact_id"], event["type"]
        dialled_at, customer = self._outbound[call]
        if kind == "contact.ended":  # hung up when the talk ended, as COMPLETEAGENT
            end = int(at - event["wrap_s"])
            dialled = max(0, end - dialled_at)
            talk = min(round(event["talk_s"] + event["hold_s"]), dialled)
            self._log(end, call, queue, event["agent_id"], "OUTCALL", "ANSWER", talk, dialled, customer)
        elif kind == "contact.abandoned":  # app_dial leaves both times empty when nobody picked up
            self._log(at, call, queue, event.get("agent_id", "NONE"), "OUTCALL", "NOANSWER", "", "", customer)
        else:  # Asterisk logs nothing else of an outbound call
            return
        del self._outbound[call]

    def _member(self, event: dict[str, Any], at: float) -> None:
        agent, state = event["agent_id"], event["state"]
        if agent.split("-")[-2] != "call":  # the simulator's agent ids name the channel
            return
        queue = self._queue(event)
        if agent not in self._members and state != "offline":
            self._members.add(agent)
            self._log(at, "NONE", queue, agent, "ADDMEMBER", "")
        name = _MEMBER_EVENT.get(state)
        if name is not None:
            self._log(at, "NONE", queue, agent, name, "")
            if state == "offline":
                self._members.discard(agent)

    def send_raw(self, key: bytes | None, value: bytes) -> None:
        raise TypeError("a queue_log is written from events, not raw messages")

    def flush(self) -> None:
        """Nothing is delivered before close: the log is written in time order then."""

    def close(self) -> None:
        self._lines.sort()
        self.path.write_text("".join(line + "\n" for _, _, line in self._lines), encoding="utf-8")
        document = {"queues": self._queues, "default_client": None, "resolved": True}
        self.map_path.write_text(yaml.safe_dump(document, sort_keys=True), encoding="utf-8")
