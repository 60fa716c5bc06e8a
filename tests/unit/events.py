"""Hand-made events for engine tests: terse builders over the wire format."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from schemas.events import Rejection
from schemas.wire import parse_event

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
