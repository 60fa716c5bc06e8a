"""Copies of one event id across a whole batch, settled before anything is counted.

Copies may name different contacts, so they can fall to different workers: they are found over
every message first, from a 64-bit key of each message's event id (read in the routing pass, or
the archive's hashes for a replay), and the few messages that share a key are read here in full
and settled by :func:`streams.engine.copies.settle`. Copies with the same bytes need nothing:
they are plain duplicates, which the engine's merge counts once.
"""

from __future__ import annotations

import numpy as np

from schemas.events import Rejection
from schemas.wire import parse_event
from streams.batch.packed import Packed
from streams.batch.routing import NO_CONTACT, Keys, route_keys
from streams.engine.copies import Copy, Settled, settle_copies

NO_EVENT_ID = NO_CONTACT  # a message without a string event id (invalid: it takes no part)


def event_keys(messages: Packed, lo: int = 0, hi: int | None = None) -> bytes:
    """The 64-bit key of the event id of messages ``lo`` to ``hi`` (``NO_EVENT_ID`` where there is
    none), as int64 bytes: the routing pass's (where the routes are known, it is read alone)."""
    return route_keys(messages, lo, len(messages) if hi is None else hi)[2]


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
