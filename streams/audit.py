"""Audit arithmetic, no I/O: which events fed a KPI row, their digest, and where two sets of rows differ."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from schemas.kpi import ADDITIVE_COLUMNS, KpiRow
from schemas.wire import ContactEvent
from streams.batch import ContactKey
from streams.totals import RowKey

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


def row_id(row: KpiRow) -> RowId:
    return (row.client, row.queue, row.channel, row.interval_start)


def differences(live: Iterable[KpiRow], replay: Iterable[KpiRow]) -> list[Difference]:
    """Every (row, additive column) where the two disagree; a missing row counts as all missing."""
    left, right = {row_id(r): r for r in live}, {row_id(r): r for r in replay}
    found = []
    for key in sorted(set(left) | set(right)):
        a, b = left.get(key), right.get(key)
        for column in ADDITIVE_COLUMNS:
            va = None if a is None else getattr(a, column)
            vb = None if b is None else getattr(b, column)
            if va != vb:
                found.append(Difference(key, column, va, vb))
    return found
