"""A live contact's copies of its events: which copy of an event id counts, decided as events come.

The batch engine settles copies over its whole input before it counts
(:mod:`streams.engine.copies`); a stream cannot wait, so a contact remembers, for each event id it
took, a record of the copy that counts (a key of the id, the copy's rank, a digest of its
content, its kind), and keeps the events that hold no slot (``spares``: a second transfer, a
survey's earlier answers) so that a slot can be taken back from a copy that loses later. A copy
of a known id with the same content is a plain duplicate; with other content the smaller rank
wins, whatever came first: a later winner takes the loser's place, its slot recomputed from the
spares. Copies are found within a contact: the contract's message key puts a contact's events on
one partition (copies that name different contacts are settled by replay and ``cckpi compute``).
"""

from __future__ import annotations

import struct
from enum import Enum
from hashlib import blake2b, sha256

import msgspec

from schemas.wire import (
    ContactAbandoned,
    ContactAnswered,
    ContactArrived,
    ContactEnded,
    ContactEvent,
    ContactReplied,
    ContactSelfServed,
    ContactTransferred,
    Event,
    SurveyAnswered,
)
from streams.engine.contacts import Arrival, ContactState, Ending, Slot, Survey
from streams.engine.copies import content

RECORD = struct.Struct(">QQQB")  # event id key, rank, content digest, kind
KIND = {ContactArrived: 1, ContactAnswered: 2, ContactAbandoned: 3, ContactReplied: 4, ContactEnded: 5,
        SurveyAnswered: 6, ContactTransferred: 7, ContactSelfServed: 8}  # fmt: skip
SLOT_OF = {
    1: "arrival",
    2: "answered",
    3: "abandoned",
    4: "replied",
    5: "ended",
    6: "survey",
    7: "transferred",
    8: "self_served",
}
SLOT_TYPES: dict[int, type] = {1: Arrival, 5: Ending, 6: Survey}  # the other kinds hold (at_us, event_id)
LOST = 255  # a record of a losing content: its dead letter is written once
_PACK = msgspec.msgpack.Encoder().encode
Spare = tuple[int, Arrival | Ending | Survey | Slot]  # kind, the slot value it would hold


class Verdict(Enum):
    NEW = "new"  # an event id the contact had not seen: merged
    SAME = "same"  # the content of the copy that counts: a plain duplicate
    LOSES = "loses"  # another content with a greater rank: a dead letter, counts nothing
    LOST_AGAIN = "lost again"  # a losing content seen before: its dead letter is written already
    WINS = "wins"  # another content with a smaller rank: it takes the counting copy's place


def judge(counted: int, counted_digest: int, rank: int, digest: int) -> Verdict:
    """The rule, between a copy and the counting copy of its id (ranks and content digests):
    the same content is a plain duplicate; of two contents, the smaller rank wins (LOSES, for
    the caller to tell from LOST_AGAIN by its own record of losing contents)."""
    if digest == counted_digest:
        return Verdict.SAME
    return Verdict.LOSES if rank > counted else Verdict.WINS


def revision_of(copies: bytes) -> int:
    """How many contents have lost so far: each may have taken back what a view of the contact
    said before (stage two replaces an earlier revision's view)."""
    return sum(1 for at in range(RECORD.size - 1, len(copies), RECORD.size) if copies[at] == LOST)


def key_of(text: str) -> int:
    return int.from_bytes(blake2b(text.encode(), digest_size=8).digest(), "big")


def rank_of(raw: bytes | memoryview) -> int:
    """The first 64 bits of the copy's rank (streams.engine.copies.rank: its SHA-256), as a
    number. Computed for every event live: written out, not through ``rank``."""
    return int.from_bytes(sha256(raw).digest()[:8], "big")


def digest_of(event: Event) -> int:
    """A digest of the event's content as the contract reads it (streams.engine.copies.content)."""
    return int.from_bytes(blake2b(_PACK(content(event)), digest_size=8).digest(), "big")


def _find(copies: bytes, key: int) -> int:
    """The offset of the record of ``key`` (-1: none)."""
    wanted = key.to_bytes(8, "big")
    at = copies.find(wanted)
    while at >= 0 and at % RECORD.size:  # a match that is not a record's start
        at = copies.find(wanted, at + 1)
    return at


def spare_of(event: ContactEvent) -> Spare:
    """The slot value an event would hold: made by the merge itself, on an empty contact."""
    kind = KIND[type(event)]
    scratch = ContactState(event.client, event.contact_id)
    scratch.apply(event)
    return kind, getattr(scratch, SLOT_OF[kind])


def _order(value: Arrival | Ending | Survey | Slot) -> tuple[int, str]:
    return value if isinstance(value, tuple) else (value.at_us, value.event_id)


def merge(contact: ContactState, event: ContactEvent, rank: int, digest: int) -> tuple[Verdict, int, bool]:
    """Merge one copy of an event into a live contact; the verdict, the rank of the copy it
    replaced (WINS) or lost to (LOSES), and whether what counts of the contact changed."""
    key, kind = key_of(event.event_id), KIND[type(event)]
    at = _find(contact.copies, key)
    if at < 0:
        contact.copies += RECORD.pack(key, rank, digest, kind)
        return Verdict.NEW, 0, _take(contact, event)
    _, counted, counted_digest, counted_kind = RECORD.unpack_from(contact.copies, at)
    verdict = judge(counted, counted_digest, rank, digest)
    if verdict is Verdict.SAME:
        if rank < counted:  # the same content in smaller bytes: the copy that counts from now on
            contact.copies = _replace(contact.copies, at, RECORD.pack(key, rank, digest, counted_kind))
        return Verdict.SAME, counted, False
    if verdict is Verdict.LOSES:
        if _lost_at(contact.copies, key, digest) >= 0:
            return Verdict.LOST_AGAIN, counted, False
        contact.copies += RECORD.pack(key, rank, digest, LOST)
        return Verdict.LOSES, counted, False
    # The new copy wins (a content seen losing before may win in smaller bytes): the counting
    # copy's content is lost from now on, its slot (or spare) taken back.
    copies = _replace(contact.copies, at, RECORD.pack(key, rank, digest, kind))
    was_lost = _lost_at(copies, key, digest)
    if was_lost >= 0:
        copies = copies[:was_lost] + copies[was_lost + RECORD.size :]
    contact.copies = copies + RECORD.pack(key, counted, counted_digest, LOST)
    before = contact.slots()
    _take_back(contact, counted_kind, event.event_id)
    _take(contact, event)
    return Verdict.WINS, counted, contact.slots() != before


def _lost_at(copies: bytes, key: int, digest: int) -> int:
    """The offset of the record of a losing content (-1: none)."""
    wanted = RECORD.pack(key, 0, digest, LOST)
    for at in range(0, len(copies), RECORD.size):
        record = copies[at : at + RECORD.size]
        if record[:8] == wanted[:8] and record[16:] == wanted[16:]:
            return at
    return -1


def _replace(copies: bytes, at: int, record: bytes) -> bytes:
    return copies[:at] + record + copies[at + RECORD.size :]


def _take(contact: ContactState, event: ContactEvent) -> bool:
    """Merge an event (whether a slot changed); what it displaces from a slot, or what does not
    take one, is kept aside."""
    kind = KIND[type(event)]
    before = getattr(contact, SLOT_OF[kind])
    if contact.apply(event):
        if before is not None:
            contact.spares += ((kind, before),)
        return True
    contact.spares += (spare_of(event),)
    return False


def _take_back(contact: ContactState, kind: int, event_id: str) -> None:
    """Remove the event ``event_id`` of ``kind`` from its slot (the best spare takes it) or spares."""
    slot = SLOT_OF[kind]
    held = getattr(contact, slot)
    if held is not None and _order(held)[1] == event_id:
        mine = [value for k, value in contact.spares if k == kind]
        pick = (max if kind == 6 else min)(mine, key=_order) if mine else None  # the latest survey counts
        setattr(contact, slot, pick)
        if pick is not None:
            contact.spares = tuple(s for s in contact.spares if s != (kind, pick))
        return
    contact.spares = tuple(s for s in contact.spares if not (s[0] == kind and _order(s[1])[1] == event_id))
