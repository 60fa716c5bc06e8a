"""Audit arithmetic, no I/O: which events fed a KPI row, their digest, and where two sets of rows differ."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from schemas.kpi import ADDITIVE_COLUMNS, KpiRow
from streams.totals import RowKey

RowId = tuple[str, str, str, str]  # client, queue, channel, interval_start (RFC 3339)


def inputs_digest(events: Iterable[tuple[str, bytes]]) -> str:
    """SHA-256 over the canonical input: events sorted by id, each 'id' 0x1f payload 0x0a."""
    digest = hashlib.sha256()
    for event_id, payload in sorted(set(events)):  # ties on an id are ordered by payload
        digest.update(event_id.encode() + b"\x1f" + payload + b"\n")
    return digest.hexdigest()


def inputs_by_row(
    arrivals: dict[tuple[str, str], RowKey], events_of: dict[tuple[str, str], list[tuple[str, bytes]]]
) -> dict[RowKey, list[tuple[str, bytes]]]:
    """The events behind each row: every event of every contact that arrived in it."""
    rows: dict[RowKey, list[tuple[str, bytes]]] = defaultdict(list)
    for contact, row in arrivals.items():
        rows[row].extend(events_of.get(contact, []))
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
