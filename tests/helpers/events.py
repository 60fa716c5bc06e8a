"""Events for tests: terse hand-made builders over the wire format, the simulated hours the
integration tests share, copies with conflicting content, and events as messages or a file."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from producers.outputs import message_key
from schemas.events import Rejection
from schemas.stamps import format_rfc3339
from schemas.wire import parse_event
from tests.helpers.messy import Message

BASE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
_ids = itertools.count(1)


def at(seconds: float) -> str:
    """RFC 3339 for BASE + seconds."""
    return (BASE + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def raw(kind: str, t: float, contact: str = "c1", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": fields.pop("event_id", f"e{next(_ids):06d}"),
        "schema_version": 1,
        "type": kind,
        "occurred_at": fields.pop("occurred_at", at(t)),
        "client": fields.pop("client", "acme"),
        "queue": fields.pop("queue", "billing"),
    }
    if kind != "agent.state":
        body["channel"] = fields.pop("channel", "call")
        body["contact_id"] = contact
    if kind in ("contact.answered", "contact.replied", "contact.ended", "agent.state"):
        body.setdefault("agent_id", "a1")
    if kind == "contact.ended":
        body.update(talk_s=100, hold_s=10, wrap_s=20, resolved=True)
    body.update(fields)
    return body


def event(kind: str, t: float, contact: str = "c1", **fields: Any):  # type: ignore[no-untyped-def]
    parsed = parse_event(orjson.dumps(raw(kind, t, contact, **fields)))
    assert not isinstance(parsed, Rejection), parsed
    return parsed


def arrived(t: float, contact: str = "c1", customer: str = "u1", **kw: Any):  # type: ignore[no-untyped-def]
    return event("contact.arrived", t, contact, customer_id=customer, **kw)


def answered(t: float, contact: str = "c1", **kw: Any):  # type: ignore[no-untyped-def]
    return event("contact.answered", t, contact, **kw)


def abandoned(t: float, contact: str = "c1", **kw: Any):  # type: ignore[no-untyped-def]
    return event("contact.abandoned", t, contact, **kw)


def ended(t: float, contact: str = "c1", **kw: Any):  # type: ignore[no-untyped-def]
    return event("contact.ended", t, contact, **kw)


def replied(t: float, contact: str = "c1", **kw: Any):  # type: ignore[no-untyped-def]
    return event("contact.replied", t, contact, **kw)


def survey(t: float, contact: str = "c1", **kw: Any):  # type: ignore[no-untyped-def]
    return event("survey.answered", t, contact, **kw)


def when(t: float) -> datetime:
    return BASE + timedelta(seconds=t)


def numbered(n: int, kind: str, at_s: float, contact: str, **extra: Any) -> dict[str, Any]:
    """An event ``e{n:03d}`` at epoch seconds ``at_s``, lane acme/billing/call (an audit's scenario)."""
    stamp = format_rfc3339(at_s, milliseconds=True)
    return raw(kind, 0, contact, event_id=f"e{n:03d}", occurred_at=stamp, **extra)


# Seven busy simulated hours (the integration tests' ``simulated_events`` fixture).
SIM_START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
SIM_END = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


def hold_back_early(events: list[dict]) -> tuple[list[dict], list[dict]]:  # type: ignore[type-arg]
    """Split off every tenth contact event of the first two hours: (on time, held back)."""
    first = events[0]["occurred_at"][:13]
    early_hours = {first, f"{first[:11]}{int(first[11:13]) + 1:02d}"}
    held = [e for i, e in enumerate(events)
            if i % 10 == 0 and "contact_id" in e and e["occurred_at"][:13] in early_hours]  # fmt: skip
    held_ids = {id(e) for e in held}
    return [e for e in events if id(e) not in held_ids], held


def as_messages(events: list[dict]) -> list[Message]:  # type: ignore[type-arg]
    return [Message(message_key(e), orjson.dumps(e)) for e in events]


def write_jsonl(path: Path, events: list[dict]) -> Path:  # type: ignore[type-arg]
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    return path


def conflicts(events: list[dict[str, Any]], rng: random.Random, share: float) -> list[dict[str, Any]]:
    """Copies of some contact events under their own ids with other content: a rating changed,
    a talk time, a time, a type, a resolution."""
    copies = []
    for event in events:
        if "contact_id" not in event or rng.random() > share:
            continue
        copy = dict(event)
        kind = event["type"]
        if kind == "survey.answered":
            copy["csat"] = rng.randint(1, 5)
            copy.pop("nps", None)
        elif kind == "contact.ended":
            copy.update(talk_s=round(rng.uniform(1, 900), 3), resolved=not event["resolved"])
        elif kind == "contact.answered":
            copy["type"] = "contact.abandoned"
            copy.pop("agent_id", None)
        else:
            stamp = copy["occurred_at"]
            copy["occurred_at"] = stamp[:17] + f"{rng.randint(0, 59):02d}" + stamp[19:]
        if copy != event:
            copies.append(copy)
    return copies


def self_served(t: float, contact: str = "c1", **kw: Any):  # type: ignore[no-untyped-def]
    return event("contact.self_served", t, contact, **kw)
