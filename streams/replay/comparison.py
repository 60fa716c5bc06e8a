"""Where two sets of KPI rows differ, and their totals: the arithmetic of an audit, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from schemas.kpi import ADDITIVE_COLUMNS
from streams.engine.intervals import iso_utc
from streams.engine.rows import additive_values
from streams.engine.totals import RowKey, sum_vectors

RowId = tuple[str, str, str, str]  # client, queue, channel, interval_start (RFC 3339)


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
        if a is not None and b is not None and tuple(a) == tuple(b):  # lists from storage, tuples here
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
    return additive_values(sum_vectors(rows, len(ADDITIVE_COLUMNS)))
