"""Copies of one event id: which one counts (kpis.md, "Which event counts").

Two valid events with the same ``event_id`` but different content are a producer's fault, and
exactly one of them counts, chosen by content and never by arrival: the copy whose bytes as
received (a Kafka message value, a JSON Lines line without its line end) have the smaller
SHA-256. Every other content is recorded once as a dead letter ``conflicting duplicate``; copies
with the same content stay plain duplicates. Content is the event as the contract reads it, so
key order, whitespace, ``4`` against ``4.0``, a time written with another offset, a ``null``
against an absent optional field, or a field the contract does not know make no difference.

Pure: the batch engine, the SQL engine's report, replay and the live stage all decide with it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from msgspec.structs import astuple

from schemas.wire import Event

CONFLICT_REASON = "conflicting duplicate"
Content = tuple[object, ...]
_TEXT_AT: dict[type, int] = {}  # where each event type's struct holds occurred_at, the text


def as_received(line: bytes) -> bytes:
    """A JSON Lines line as received: without its line end ("\n", or "\r\n")."""
    return line.removesuffix(b"\n").removesuffix(b"\r")


def rank(raw: bytes | memoryview) -> bytes:
    """The order copies are chosen in: the SHA-256 of their bytes, smallest first."""
    return hashlib.sha256(raw).digest()


def content(event: Event) -> Content:
    """What two copies must share to be the same event: its type and every contract field,
    the time as its instant (``occurred_us``) rather than as written."""
    values = astuple(event)
    at = _TEXT_AT.get(type(event))
    if at is None:  # field order differs by type: found once per type
        at = _TEXT_AT[type(event)] = type(event).__struct_fields__.index("occurred_at")
    return (event.type, *values[:at], *values[at + 1 :])  # the time as written is left out


@dataclass(frozen=True, slots=True)
class Copy:
    """One valid copy of an event: where it was read (a line or message number), its bytes
    and the event they give."""

    number: int
    raw: bytes
    event: Event


@dataclass
class Settled:
    """What a set of inputs' copies come to: the numbers of every copy that does not count,
    and one copy of each losing content, to report as a dead letter."""

    dropped: set[int] = field(default_factory=set)
    dead: list[Copy] = field(default_factory=list)

    def merge(self, other: Settled) -> None:
        self.dropped |= other.dropped
        self.dead += other.dead


def settle(copies: Sequence[Copy]) -> Settled:
    """Decide between the copies of one event id (all valid). Of each losing content, the
    dead letter is its first copy in input order; every copy of it is dropped."""
    winner = min(copies, key=lambda c: (rank(c.raw), c.number))
    chosen = content(winner.event)
    out = Settled()
    losing: dict[Content, Copy] = {}
    for copy in sorted(copies, key=lambda c: c.number):
        found = content(copy.event)
        if found == chosen:
            continue
        out.dropped.add(copy.number)
        losing.setdefault(found, copy)
    out.dead = list(losing.values())
    return out


def settle_all(groups: Iterable[Sequence[Copy]]) -> Settled:
    """:func:`settle` over many event ids' copies (a group of one copy needs no decision)."""
    out = Settled()
    for copies in groups:
        if len(copies) > 1 and len({c.raw for c in copies}) > 1:
            out.merge(settle(copies))
    return out


def settle_copies(copies: Iterable[Copy]) -> Settled:
    """:func:`settle_all` over copies of any ids: grouped by event id first."""
    by_id: dict[str, list[Copy]] = {}
    for copy in copies:
        by_id.setdefault(copy.event.event_id, []).append(copy)
    return settle_all(group for group in by_id.values() if len(group) > 1)
