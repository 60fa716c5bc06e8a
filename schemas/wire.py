"""The fast decoder of the event contract: msgspec structs mirroring :mod:`schemas.events`.

The pydantic models in ``schemas.events`` are the contract in code (and explain every
rejection); these structs decode the same bytes to the same values several times faster,
which the stream and the recompute need. ``tests/unit/schemas/test_wire_conformance.py``
holds both to the same decisions.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import Annotated, ClassVar, Literal

import msgspec
from msgspec import Meta, Struct

from schemas.channels import Channel
from schemas.events import (
    CONTRACT_FIELDS,
    MAX_SECONDS,
    RFC3339,
    Direction,
    Rejection,
    epoch_us,
    validate_event,
)
from schemas.stamps import moments_us, parse_rfc3339

Text = Annotated[str, Meta(min_length=1, max_length=256)]
Seconds = Annotated[float, Meta(ge=0, le=MAX_SECONDS)]


class _Event(Struct, tag_field="type", kw_only=True):
    event_id: Text
    schema_version: Literal[1]
    occurred_at: str  # checked by _moment_us, with the batch's other stamps (a pattern here is slower)
    client: Text
    queue: Text

    # Event time in epoch microseconds, the clock every KPI uses. parse_event sets it once;
    # whatever a message carries under this unlikely name is overwritten.
    occurred_us: int = msgspec.field(default=-1, name="__cckpi_occurred_us__")

    type: ClassVar[str]


class _ContactEvent(_Event, kw_only=True):
    """Fields every contact event carries (mirrors ``schemas.events._ContactEnvelope``)."""

    channel: Channel
    contact_id: Text
    customer_id: Text | None = None
    agent_id: Text | None = None


class ContactArrived(_ContactEvent, tag="contact.arrived"):
    customer_id: Text
    direction: Direction | None = None
    type: ClassVar[str] = "contact.arrived"


class ContactAnswered(_ContactEvent, tag="contact.answered"):
    agent_id: Text
    type: ClassVar[str] = "contact.answered"


class ContactAbandoned(_ContactEvent, tag="contact.abandoned"):
    type: ClassVar[str] = "contact.abandoned"


class ContactSelfServed(_ContactEvent, tag="contact.self_served"):
    bot_id: Text | None = None
    type: ClassVar[str] = "contact.self_served"


class ContactReplied(_ContactEvent, tag="contact.replied"):
    agent_id: Text
    type: ClassVar[str] = "contact.replied"


class ContactTransferred(_ContactEvent, tag="contact.transferred"):
    to_queue: Text
    type: ClassVar[str] = "contact.transferred"


class ContactEnded(_ContactEvent, tag="contact.ended"):
    agent_id: Text
    talk_s: Seconds
    hold_s: Seconds
    wrap_s: Seconds
    resolved: bool
    reason: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    type: ClassVar[str] = "contact.ended"


class SurveyAnswered(_ContactEvent, tag="survey.answered"):
    # Any JSON number in range: _complete keeps those with an integral value, as ints (4.0 is 4).
    csat: Annotated[float, Meta(ge=1, le=5)] | None = None
    nps: Annotated[float, Meta(ge=0, le=10)] | None = None
    ces: Annotated[float, Meta(ge=1, le=7)] | None = None
    comment: Annotated[str, Meta(max_length=2000)] | None = None
    type: ClassVar[str] = "survey.answered"


class AgentState(_Event, tag="agent.state"):
    agent_id: Text
    state: Literal["available", "busy", "wrap", "away", "offline"]
    channel: Channel | None = None
    type: ClassVar[str] = "agent.state"


ContactEvent = (
    ContactArrived
    | ContactAnswered
    | ContactAbandoned
    | ContactSelfServed
    | ContactReplied
    | ContactTransferred
    | ContactEnded
    | SurveyAnswered
)
Event = ContactEvent | AgentState

_DECODER = msgspec.json.Decoder(Event)
_INF = float("inf")
_SLICE = 1 << 14  # messages parsed together: numpy passes pay off, temporaries stay small
_NO_STAMP = ""  # in place of a message that did not decode: never decided
_FROM_ISO = datetime.fromisoformat


# What the fast decoder raises for a message it does not take (nested past its depth included).
_UNREADABLE = (msgspec.ValidationError, msgspec.DecodeError, ValueError, RecursionError)


def parse_event(raw: bytes | str | memoryview) -> Event | Rejection:
    """Turn one message into an event, or a rejection saying what is wrong with it."""
    if not isinstance(raw, str) and _not_utf8([raw]):
        return _explain(raw)
    try:
        event = _DECODER.decode(raw)
        event.occurred_us = _moment_us(event.occurred_at)
    except _UNREADABLE:
        return _explain(raw)
    return event if _complete(event) else _explain(raw)


def _is_utf8(raw: bytes | memoryview) -> bool:
    try:
        codecs.utf_8_decode(raw, "strict", True)
    except UnicodeDecodeError:
        return False
    return True


def _not_utf8(raws: list[bytes | memoryview]) -> list[int]:
    """The positions of the messages that are not UTF-8: the fast decoder skips the bytes of the
    fields the contract does not name, the contract refuses such a message. One pass over the
    slice when it is all ASCII, as it nearly always is."""
    if b"".join(raws).isascii():
        return []
    return [n for n, raw in enumerate(raws) if not _is_utf8(raw)]


def parse_events(raws: Iterable[bytes | memoryview]) -> Iterator[Event | Rejection]:
    """What ``parse_event`` makes of each message, for a batch: the timestamps are decided
    together (:mod:`schemas.stamps`), in a few array passes instead of one parse each.

    Lazy, a slice at a time, so a long input holds no per-message temporaries but a slice's."""
    messages = iter(raws)
    while chunk := list(islice(messages, _SLICE)):
        yield from _parse_slice(chunk)


def _parse_slice(raws: list[bytes | memoryview]) -> list[Event | Rejection]:
    decode = _DECODER.decode
    decoded: list[Event | None] = []
    keep = decoded.append
    for raw in raws:  # the hot loop of every batch job
        try:
            keep(decode(raw))
        except _UNREADABLE:
            keep(None)
    for n in _not_utf8(raws):
        decoded[n] = None
    moments, decided = moments_us([_NO_STAMP if e is None else e.occurred_at for e in decoded])
    parsed: list[Event | Rejection] = []
    add = parsed.append
    for raw, event, at, quick in zip(raws, decoded, moments.tolist(), decided.tolist(), strict=True):
        if event is not None:
            if quick:
                event.occurred_us = at
            else:
                try:
                    event.occurred_us = _moment_us(event.occurred_at)
                except ValueError:
                    event = None
        add(event if event is not None and _complete(event) else _explain(raw))
    return parsed


def _complete(event: Event) -> bool:
    """The rules a struct cannot state: a survey scores something with integral scores (made
    ints here), durations are finite."""
    if isinstance(event, SurveyAnswered):
        csat, nps, ces = event.csat, event.nps, event.ces
        if csat is None and nps is None and ces is None:
            return False
        for score in (csat, nps, ces):
            if score is not None and not float(score).is_integer():
                return False
        event.csat = None if csat is None else int(csat)
        event.nps = None if nps is None else int(nps)
        event.ces = None if ces is None else int(ces)
        return True
    if isinstance(event, ContactEnded):
        return event.talk_s < _INF and event.hold_s < _INF and event.wrap_s < _INF
    return True


def _moment_us(stamp: str) -> int:
    """Epoch microseconds of an RFC 3339 stamp; ValueError for anything the contract rejects.

    The producers' own shape, ``2026-11-23T09:15:02.120Z``, skips the regex: with its
    separators in place, ``fromisoformat`` accepts exactly the digits the pattern would.
    """
    if len(stamp) == 24 and stamp[4:20:3] == "--T::." and stamp[23] == "Z":
        return epoch_us(_FROM_ISO(stamp))
    if RFC3339.match(stamp) is None:
        raise ValueError("not an RFC 3339 timestamp")
    return epoch_us(parse_rfc3339(stamp))


def _explain(raw: bytes | str | memoryview) -> Event | Rejection:
    """Ask the contract's pydantic models why; they are the reference for every rule. Where they
    take what the fast decoder refused because a name was given twice (msgspec checks every
    occurrence, the models keep the last), the event is the one its :func:`canonical` form
    decodes to."""
    verdict = validate_event(bytes(raw) if isinstance(raw, memoryview) else raw)
    if isinstance(verdict, Rejection):
        return verdict
    try:
        form = canonical(raw)
        event = None if form is None else _DECODER.decode(form)
        if event is not None:
            event.occurred_us = _moment_us(event.occurred_at)
    except _UNREADABLE:
        event = None
    if event is None or not _complete(event):
        return Rejection(reason="rejected by the fast decoder but not by the contract models (a bug)")
    return event


def canonical(raw: bytes | str | memoryview) -> bytes | None:
    """The contract fields of a message that gives a top-level name twice (valid JSON, whose last
    value counts, as for the contract models), each named once: the form both engines decode such
    a message from. None when no name repeats; ValueError for what is not a JSON object (or holds
    NaN or Infinity, which neither the fast decoder nor ClickHouse reads)."""
    text = bytes(raw) if isinstance(raw, memoryview) else raw
    if not (text.lstrip().startswith(b"{") if isinstance(text, bytes) else text.lstrip().startswith("{")):
        raise ValueError("not a JSON object")
    pairs = json.loads(text, object_pairs_hook=list, parse_constant=_no_constant, parse_int=_any_int)
    names = [name for name, _ in pairs]
    if len(set(names)) == len(names):
        return None
    # Nested objects read as lists of pairs here: no contract field holds one in an event the
    # models took, and other fields are left out.
    body = {name: value for name, value in pairs if name in CONTRACT_FIELDS}
    return json.dumps(body, ensure_ascii=False).encode()


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _any_int(digits: str) -> int | str:
    """An integer; one too long for Python's default conversion limit stays its digits (no
    contract field takes one: it is refused or left out either way)."""
    return int(digits) if len(digits) <= 4000 else digits
