"""Which events fed a KPI row, and the digest that proves it: computed with the rows, no I/O."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable

from schemas.wire import ContactEvent
from streams.engine.contacts import ContactKey
from streams.engine.totals import RowKey


def inputs_digest(events: Iterable[tuple[bytes, bytes]]) -> tuple[str, int]:
    """SHA-256 over the canonical input: distinct events sorted by id, each id 0x1f payload 0x0a;
    and how many distinct events that is."""
    digest = hashlib.sha256()
    distinct = sorted(set(events))  # ties on an id are ordered by payload
    for event_id, payload in distinct:
        digest.update(event_id + b"\x1f" + payload + b"\n")
    return digest.hexdigest(), len(distinct)


def messages_by_row(
    numbers: Iterable[int], events: Iterable[ContactEvent], arrivals: dict[ContactKey, RowKey]
) -> dict[RowKey, list[int]]:
    """The messages behind each row: those of every contact that arrived in it.

    ``numbers`` are the messages' places, one per event, in the same order."""
    rows: dict[RowKey, list[int]] = defaultdict(list)
    for number, event in zip(numbers, events, strict=True):
        row = arrivals.get((event.client, event.contact_id))
        if row is not None:
            rows[row].append(number)
    return rows
