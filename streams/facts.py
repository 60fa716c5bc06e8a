"""What stage one tells stage two of a contact: only what FCR and eviction need.

Stage two decides first-contact resolution per customer and evicts a contact when stage one
would. For that it needs the arrival (row, customer, which one is first), whether an agent
answered or the customer abandoned, the first end (when, which one, resolved) and the last
event; nothing else crosses the topic, and stage two keeps nothing else. It holds a contact
for the retention plus the FCR window (ten days by default), so every byte of a fact counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import orjson

from streams.contacts import ContactState
from streams.storage import state_from_values


class Fact(msgspec.Struct, array_like=True, gc=False):
    """One contact as stage two sees it (a JSON array on the wire; never part of a cycle)."""

    client: str
    contact_id: str
    customer_id: str
    queue: str
    channel: str
    arrived_us: int
    arrived_id: str
    answered: bool
    abandoned: bool
    ended_us: int | None
    ended_id: str
    resolved: bool
    last_event_us: int

    @property
    def still_open(self) -> bool:
        """Arrived, neither ended nor abandoned (an email awaiting its answer)."""
        return self.ended_us is None and not self.abandoned

    @property
    def may_succeed(self) -> bool:
        """Handled and resolved: only such a contact can be a first-contact resolution."""
        return self.answered and self.resolved and self.ended_us is not None

    def merge(self, other: Fact) -> bool:
        """Take the first arrival and end of both views, and any answer or abandon.

        Return whether what decides FCR (arrival, answer, end) changed.
        """
        changed = False
        if (other.arrived_us, other.arrived_id) < (self.arrived_us, self.arrived_id):
            self.arrived_us, self.arrived_id = other.arrived_us, other.arrived_id
            self.customer_id, self.queue, self.channel = other.customer_id, other.queue, other.channel
            changed = True
        if other.answered and not self.answered:
            self.answered = changed = True
        if other.ended_us is not None and (
            self.ended_us is None or (other.ended_us, other.ended_id) < (self.ended_us, self.ended_id)
        ):
            self.ended_us, self.ended_id, self.resolved = other.ended_us, other.ended_id, other.resolved
            changed = True
        self.abandoned = self.abandoned or other.abandoned
        if other.last_event_us > self.last_event_us:
            self.last_event_us = other.last_event_us
        return changed


def fact_of(contact: ContactState) -> Fact:
    """The fact of an arrived contact."""
    arrival, ended = contact.arrival, contact.ended
    assert arrival is not None
    return Fact(
        contact.client, contact.contact_id, arrival.customer_id, arrival.queue, arrival.channel,
        arrival.at_us, arrival.event_id, contact.answered is not None, contact.abandoned is not None,
        None if ended is None else ended.at_us, "" if ended is None else ended.event_id,
        ended is not None and ended.resolved, contact.last_event_us,
    )  # fmt: skip


class _Message(msgspec.Struct):
    v: int  # first on the wire: tells this form from the full contact states sent before
    marks: list[tuple[int, int]]  # stage-one partition -> its watermark before the batch
    facts: list[Fact]


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(_Message)
_VERSION = 2


def encode_facts(contacts: Sequence[ContactState], marks: dict[int, int]) -> bytes:
    """Facts of arrived contacts, with the watermarks of stage one's partitions that sent them."""
    return _ENCODER.encode(_Message(_VERSION, sorted(marks.items()), [fact_of(c) for c in contacts]))


def decode_facts(payload: bytes) -> tuple[dict[int, int], list[Fact]]:
    """The inverse of :func:`encode_facts`; also reads the two forms written before it."""
    if payload.startswith(b'{"v":'):
        message = _DECODER.decode(payload)
        return dict(message.marks), message.facts
    body = orjson.loads(payload)
    marks, states = ({}, body) if isinstance(body, list) else (dict(body["marks"]), body["facts"])
    contacts = (state_from_values(values) for values in states)
    return marks, [fact_of(c) for c in contacts if c.arrival is not None]
