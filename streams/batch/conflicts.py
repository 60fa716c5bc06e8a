"""Copies of one event id across a whole batch, settled before anything is counted.

Copies may name different contacts, so they can fall to different workers: they are found over
every message first, from a 64-bit key of each message's event id (:func:`event_keys`, or the
archive's hashes for a replay), and the few messages that share a key are read here in full
and settled by :func:`streams.engine.copies.settle`. Copies with the same bytes need nothing:
they are plain duplicates, which the engine's merge counts once.
"""

from __future__ import annotations

from array import array
from typing import Any

import msgspec
import numpy as np

from schemas.events import Rejection
from schemas.wire import parse_event
from streams.batch.packed import Packed
from streams.batch.routing import NO_CONTACT, Keys
from streams.engine.copies import Copy, Settled, settle_copies

NO_EVENT_ID = NO_CONTACT  # a message without a string event id (invalid: it takes no part)


class _Id(msgspec.Struct):
    event_id: Any = None


_ID = msgspec.json.Decoder(_Id)


def event_key(view: bytes | memoryview) -> int:
    """The 64-bit key of one message's event id (``NO_EVENT_ID`` when it has none)."""
    try:
        found = _ID.decode(view).event_id
    except (msgspec.DecodeError, msgspec.ValidationError):
        return NO_EVENT_ID
    return hash(found) if isinstance(found, str) else NO_EVENT_ID


def event_keys(messages: Packed, lo: int = 0, hi: int | None = None) -> bytes:
    """:func:`event_key` of messages ``lo`` to ``hi``, as int64 bytes (a worker's share)."""
    hi = len(messages) if hi is None else hi
    return array("q", map(event_key, messages.views(range(lo, hi)))).tobytes()


def shared_keys(keys: Keys) -> list[list[int]]:
    """The numbers of the messages that share a key with another, a list per key."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    same = (ordered[1:] == ordered[:-1]) & (ordered[1:] != NO_EVENT_ID)
    if not same.any():
        return []
    starts = np.flatnonzero(same & ~np.concatenate(([False], same[:-1])))
    groups = []
    for start in starts.tolist():
        end = start + 1
        while end < len(same) and same[end]:
            end += 1
        groups.append(sorted(order[start : end + 1].tolist()))
    return groups


def settle_messages(messages: Packed, keys: Keys) -> Settled:
    """Which messages do not count, and the dead letters of the losing contents."""
    copies: list[Copy] = []
    for numbers in shared_keys(keys):
        raws = [messages.content(n) for n in numbers]
        if len(set(raws)) == 1:
            continue  # the same bytes: plain duplicates
        for number, raw in zip(numbers, raws, strict=True):
            event = parse_event(raw)
            if not isinstance(event, Rejection):  # an invalid copy is a dead letter of its own
                copies.append(Copy(number, raw, event))
    return settle_copies(copies)  # grouped by their ids: two ids may share a key
