"""A long, messy stream as real producers deliver it: days of a simulated centre plus every
edge case of the contract, in event-time order with jitter.

Each seed gives a different stream (size, mix and positions of the edge cases), so the
tests that use it are not tuned to one shape.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from producers.outputs import message_key
from producers.scenario import DEFAULT_SCENARIO, scaled
from producers.simulator import Simulator
from schemas.stamps import format_rfc3339, parse_rfc3339

Event = dict[str, Any]
DAILY_CONTACTS = sum(team.daily_contacts for client in DEFAULT_SCENARIO.clients for team in client.teams)

# Lines that are not events: each must reach the dead-letter topic, with its reason.
BAD_LINES: tuple[bytes, ...] = (
    b"not json at all",
    b'{"event_id": "x", "schema_version": 1',
    b"[1, 2, 3]",
    b'{"event_id":"bad-type","schema_version":1,"type":"contact.exploded","occurred_at":'
    b'"2026-11-23T09:00:00Z","client":"acme","channel":"call","queue":"q","contact_id":"c"}',
    b'{"event_id":"bad-time","schema_version":1,"type":"contact.arrived","occurred_at":"yesterday",'
    b'"client":"acme","channel":"call","queue":"q","contact_id":"c","customer_id":"u"}',
    b'{"event_id":"no-customer","schema_version":1,"type":"contact.arrived","occurred_at":'
    b'"2026-11-23T09:00:00Z","client":"acme","channel":"call","queue":"q","contact_id":"c"}',
    b'{"event_id":"bad-channel","schema_version":1,"type":"contact.arrived","occurred_at":'
    b'"2026-11-23T09:00:00Z","client":"acme","channel":"fax","queue":"q","contact_id":"c",'
    b'"customer_id":"u"}',
    b'{"event_id":"bad-csat","schema_version":1,"type":"survey.answered","occurred_at":'
    b'"2026-11-23T09:00:00Z","client":"acme","channel":"call","queue":"q","contact_id":"c","csat":9}',
    b'{"event_id":"neg-talk","schema_version":1,"type":"contact.ended","occurred_at":'
    b'"2026-11-23T09:00:00Z","client":"acme","channel":"call","queue":"q","contact_id":"c",'
    b'"agent_id":"a","talk_s":-1,"hold_s":0,"wrap_s":0,"resolved":true}',
    b"\xff\xfe not utf-8",
    b'{"event_id":"v2","schema_version":2,"type":"contact.arrived","occurred_at":'
    b'"2026-11-23T09:00:00Z","client":"acme","channel":"call","queue":"q","contact_id":"c",'
    b'"customer_id":"u"}',
)


@dataclass(frozen=True)
class Message:
    key: bytes | None
    value: bytes


@dataclass(frozen=True)
class MessyStream:
    messages: list[Message]
    days: float
    contacts: int
    duplicates: int
    bad: int

    def values(self) -> list[bytes]:
        return [m.value for m in self.messages]


def messy_stream(
    seed: int,
    days: float = 9.0,
    contacts: int = 12_000,
    duplicate_share: float = 0.05,
    bad_lines: int = 10,
    jitter_s: float = 120.0,
    start: datetime = datetime(2026, 11, 16, 0, 0, tzinfo=UTC),
) -> MessyStream:
    """About ``contacts`` contacts over ``days`` days, with every edge case mixed in."""
    rng = random.Random(seed)
    scenario = scaled(DEFAULT_SCENARIO, contacts / days / DAILY_CONTACTS)
    simulator = Simulator(start, seed=seed, scenario=scenario)
    events = [event for _, event in simulator.events(start + timedelta(days=days))]
    arrived = [e for e in events if e["type"] == "contact.arrived"]
    timed: list[tuple[float, Event]] = [(_epoch(e) + rng.uniform(-jitter_s, jitter_s), e) for e in events]
    timed += _edge_cases(rng, events, arrived, start, days)
    timed.sort(key=lambda pair: pair[0])
    ordered = [e for _, e in timed]
    messages = [Message(message_key(e), orjson.dumps(e)) for e in ordered]
    # Redelivery: the same bytes again, a little later in the stream.
    duplicates = int(len(messages) * duplicate_share)
    for index in sorted(rng.sample(range(len(messages)), duplicates), reverse=True):
        again = min(len(messages), index + rng.randint(1, 3000))
        messages.insert(again, messages[index])
    for line in rng.sample(BAD_LINES, min(bad_lines, len(BAD_LINES))):
        messages.insert(rng.randrange(len(messages)), Message(b"bad-" + str(rng.random()).encode(), line))
    return MessyStream(messages, days, len(arrived), duplicates, min(bad_lines, len(BAD_LINES)))


def _stamp(t: float) -> str:
    return format_rfc3339(t, milliseconds=True)


def _epoch(event: Event) -> float:
    return parse_rfc3339(event["occurred_at"]).timestamp()


def _edge_cases(
    rng: random.Random, events: list[Event], arrived: list[Event], start: datetime, days: float
) -> list[tuple[float, Event]]:
    """Events the simulator never writes, each (delivery time, event)."""
    by_contact: dict[str, list[Event]] = {}
    for event in events:
        if "contact_id" in event:
            by_contact.setdefault(event["contact_id"], []).append(event)
    out: list[tuple[float, Event]] = []
    sample = rng.sample(arrived, min(len(arrived), max(40, len(arrived) // 50)))
    for n, first in enumerate(sample):
        contact = by_contact[first["contact_id"]]
        t = _epoch(first)
        if n % 25 == 0:  # an agent who never logs off: the last state counts 12 hours at most
            ghost = {"event_id": _id(rng), "schema_version": 1, "type": "agent.state",
                     "occurred_at": _stamp(t), "client": first["client"], "queue": first["queue"],
                     "agent_id": f"ghost-{n}",
                     "state": rng.choice(["available", "away"])}  # fmt: skip
            out.append((t + rng.uniform(0, 600), ghost))
        kind = n % 8
        if kind == 0:  # a rival arrival, same instant: the smaller event_id wins
            out.append((t + 30, {**first, "event_id": _id(rng), "queue": "overflow"}))
        elif kind == 1:  # answered and abandoned both: answered wins
            out.append((t + 40, _like(rng, first, "contact.abandoned", t + 35)))
        elif kind == 2:  # a second, later end that must not count
            ends = [e for e in contact if e["type"] == "contact.ended"]
            if ends:
                out.append((t + 900, {**ends[0], "event_id": _id(rng), "occurred_at":
                            _stamp(_epoch(ends[0]) + 60), "talk_s": 9999, "resolved": False}))  # fmt: skip
        elif kind == 3:  # the arrival delivered well after the contact's other events
            out.append((t + rng.uniform(600, 4 * 3600), {**first, "event_id": _id(rng)}))
        elif kind == 4:  # a survey two days later, with an offset other than Z
            later = datetime.fromtimestamp(t + 2 * 86_400, UTC).astimezone()
            out.append((t + 2 * 86_400, {**_like(rng, first, "survey.answered", t), "csat": 5, "nps": 10,
                        "ces": 6, "occurred_at": later.isoformat()}))  # fmt: skip
        elif kind == 5:  # an orphan: events of a contact whose arrival never comes
            orphan = {**first, "contact_id": f"orphan-{first['contact_id']}"}
            out.append((t + 20, _like(rng, orphan, "contact.answered", t + 10, agent_id="a-x")))
        elif kind == 6:  # unknown extra fields, and a reason on an end
            out.append((t + 5, {**first, "event_id": _id(rng), "occurred_at": _stamp(t + 1),
                        "x_crm": {"ticket": n}, "reason": "billing-question"}))  # fmt: skip
        else:  # the same customer again on another channel within the FCR window
            again = {**first, "event_id": _id(rng), "contact_id": f"again-{first['contact_id']}",
                     "channel": "email" if first["channel"] != "email" else "chat",
                     "occurred_at": _stamp(t + rng.uniform(3600, 3 * 86_400))}  # fmt: skip
            out.append((_epoch(again), again))
    del start, days
    return out


def _like(rng: random.Random, base: Event, kind: str, t: float, **fields: Any) -> Event:
    event = {k: v for k, v in base.items() if k != "customer_id"}
    event.update(event_id=_id(rng), type=kind, occurred_at=_stamp(t), **fields)
    if kind in ("contact.answered", "contact.replied", "contact.ended"):
        event.setdefault("agent_id", "a-edge")
    return event


# The simulator draws its event ids from a Random of the same seed: without this mask the edge
# cases would reuse its ids, which the contract makes conflicting duplicates.
_EDGE_IDS = 0x5EED_0F_ED6E_CA5E_5EED_0F_ED6E_CA5E


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128) ^ _EDGE_IDS, version=4))
