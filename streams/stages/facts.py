"""The fact messages stage one sends stage two: facts of contacts, and stage one's watermarks.

Stage two decides first-contact resolution per customer and evicts a contact when stage one
would. For that it needs the arrival (row, customer, which one is first), whether an agent
answered or the customer abandoned, the first end (when, which one, resolved, by which agent,
with which wrap-up reason: agent and reason rows count FCR too) and the last event; nothing
else crosses the topic, and stage two keeps nothing else. It holds a contact
for the retention plus the FCR window (ten days by default), so every byte of a fact counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from streams.engine.contacts import ContactState
from streams.engine.fcr import Fact, fact_of


class _Message(msgspec.Struct):
    v: int  # the message form's version, first on the wire
    marks: list[tuple[int, int]]  # stage-one partition -> its watermark before the batch
    facts: list[Fact]


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(_Message)
_VERSION = 2


def encode_facts(contacts: Sequence[ContactState], marks: dict[int, int]) -> bytes:
    """Facts of arrived contacts, with the watermarks of stage one's partitions that sent them."""
    return _ENCODER.encode(_Message(_VERSION, sorted(marks.items()), [fact_of(c) for c in contacts]))


def decode_facts(payload: bytes) -> tuple[dict[int, int], list[Fact]]:
    """The inverse of :func:`encode_facts`."""
    message = _DECODER.decode(payload)
    return dict(message.marks), message.facts
