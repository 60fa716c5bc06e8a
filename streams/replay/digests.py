"""Audit arithmetic, no I/O: which events fed a KPI row, their digest, and where two sets of rows differ."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import add

from schemas.kpi import ADDITIVE_COLUMNS
from schemas.wire import ContactEvent
from streams.batch.engine import ContactKey
from streams.engine.intervals import iso_utc
from streams.engine.rows import additive_values
from streams.engine.totals import RowKey

RowId = tuple[str, str, str, str]  # client, queue, channel, interval_start (RFC 3339)


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


@dataclass(frozen=True)
class Difference:
    row: RowId
    column: str
    live: float | None
    replay: float | None


Vectors = Mapping[RowKey, Sequence[int]]


def differences(live: Vectors, replay: Vectors) -> list[Difference]:
    """Every (row, additive column) where the two disagree; a missing row counts as all missing.

    Vectors are compared exactly, in integer microseconds; the values say seconds."""
    found = []
    for key in sorted(set(live) | set(replay)):
        a, b = live.get(key), replay.get(key)
        if a is not None and b is not None and a == b:
            continue
        named_a = None if a is None else additive_values(a)
        named_b = None if b is None else additive_values(b)
        for i, column in enumerate(ADDITIVE_COLUMNS):
            if a is None or b is None or a[i] != b[i]:
                va = None if named_a is None else named_a[column]
                vb = None if named_b is None else named_b[column]
                found.append(Difference(row_id(key), column, va, vb))
    return found


def row_id(key: RowKey) -> RowId:
    client, queue, channel, start = key
    return (client, queue, channel, iso_utc(start))


def totals(rows: Iterable[Sequence[int]]) -> dict[str, float]:
    """The column sums of many vectors, summed exactly and then named."""
    summed = [0] * len(ADDITIVE_COLUMNS)
    for vector in rows:
        summed = list(map(add, summed, vector))
    return additive_values(summed)
