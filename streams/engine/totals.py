"""Row totals: additive vectors per (client, queue, channel, interval_start), at several grains.

Each contact's contribution is kept beside it, so a change is applied as retract-then-add
and the totals always equal the sum over the current contact states.
"""

from __future__ import annotations

from collections.abc import Container, Hashable, Iterable, Sequence
from operator import add, sub
from typing import TypeVar

from streams.engine.contributions import COLUMNS, Vector
from streams.engine.intervals import INTERVAL_S, MINUTE_S, US_PER_S, interval_start

RowKey = tuple[str, str, str, int]  # client, queue, channel, interval_start (epoch s)
# What a contribution is anchored to: client, queue, channel, arrival epoch us.
Anchor = tuple[str, str, str, int]
Lane = tuple[str, str, str]  # client, queue, channel
GRAINS: tuple[int, ...] = (INTERVAL_S, MINUTE_S)
K = TypeVar("K", bound=Hashable)


def add_into(rows: dict[K, list[int]], key: K, vector: Sequence[int]) -> None:
    """Sum a vector into the row at ``key``; a new row is a copy, the vector stays the caller's."""
    row = rows.get(key)
    if row is None:
        rows[key] = list(vector)
    else:
        row[:] = map(add, row, vector)


def sum_vectors(vectors: Iterable[Sequence[int]], width: int) -> list[int]:
    """The column sums of many vectors, exact (integers)."""
    summed = [0] * width
    for vector in vectors:
        summed[:] = map(add, summed, vector)
    return summed


class RowTotals:
    """Sums of contributions per row, per grain, with the set of rows changed since a flush.

    ``columns`` names what a vector holds (every additive column by default; stage two
    counts only ``fcr_success``, and a row of one number is a tenth of the memory).
    """

    def __init__(self, grains: tuple[int, ...] = GRAINS, columns: tuple[str, ...] = COLUMNS) -> None:
        if any(INTERVAL_S % grain for grain in grains):
            raise ValueError(f"every grain must divide {INTERVAL_S} s: {grains}")
        self.grains = grains
        self.columns = columns
        self._zeros = (0,) * len(columns)
        self.rows: dict[int, dict[RowKey, list[int]]] = {grain: {} for grain in grains}
        self.dirty: dict[int, set[RowKey]] = {grain: set() for grain in grains}
        # 15-minute interval start -> the lanes with rows in it: evicting an interval's rows
        # looks them up instead of walking every row.
        self._lanes: dict[int, set[Lane]] = {}

    def _created(self, lane: Lane, start: int) -> None:
        interval = start - start % INTERVAL_S
        lanes = self._lanes.get(interval)
        if lanes is None:
            self._lanes[interval] = {lane}
        else:
            lanes.add(lane)

    def _add(self, anchor: Anchor, vector: Vector, sign: int) -> None:
        client, queue, channel, at_us = anchor
        combine = add if sign > 0 else sub
        for grain in self.grains:
            key = (client, queue, channel, interval_start(at_us, grain))
            rows = self.rows[grain]
            row = rows.get(key)
            if row is None:
                rows[key] = list(map(combine, self._zeros, vector))
                self._created((client, queue, channel), key[3])
            else:
                row[:] = map(combine, row, vector)
            self.dirty[grain].add(key)

    def add(self, anchor: Anchor, vector: Vector) -> None:
        self._add(anchor, vector, 1)

    def add_span(self, lane: Lane, moves: Sequence[tuple[int, int]], start_us: int, end_us: int) -> None:
        """Add the time of ``[start_us, end_us)`` split at each grain's boundaries, times each
        ``(column, sign)`` of ``moves``, to the lane's rows: a state's time in one pass, or one
        state's time moved to another (-1 and +1) over the same span. A row's columns are
        touched directly, so a long span costs a few operations per interval it crosses."""
        client, queue, channel = lane
        for grain in self.grains:
            rows, dirty, step = self.rows[grain], self.dirty[grain], grain * US_PER_S
            at = start_us
            while at < end_us:
                start = at - at % step
                until = min(end_us, start + step)
                key = (client, queue, channel, start // US_PER_S)
                row = rows.get(key)
                if row is None:
                    row = rows[key] = list(self._zeros)
                    self._created(lane, key[3])
                for column, sign in moves:
                    row[column] += sign * (until - at)
                dirty.add(key)
                at = until

    def subtract(self, anchor: Anchor, vector: Vector) -> None:
        self._add(anchor, vector, -1)

    def replace(self, old: tuple[Anchor, Vector] | None, new: tuple[Anchor, Vector] | None) -> None:
        """Swap one contact's old contribution for its new one."""
        if old == new:
            return
        if old is not None and new is not None and old[0] == new[0]:  # the usual case: one pass
            self._add(new[0], tuple(map(sub, new[1], old[1])), 1)
            return
        if old is not None:
            self._add(old[0], old[1], -1)
        if new is not None:
            self._add(new[0], new[1], 1)

    def touch(self, anchor: Anchor) -> None:
        """Make the anchor's rows exist (zero if nothing counts) and mark them to be written.

        A new owner of a partition must overwrite every row a previous owner may have
        written, including rows whose count has since fallen to zero.
        """
        client, queue, channel, at_us = anchor
        for grain in self.grains:
            key = (client, queue, channel, interval_start(at_us, grain))
            rows = self.rows[grain]
            if key not in rows:
                rows[key] = list(self._zeros)
                self._created((client, queue, channel), key[3])
            self.dirty[grain].add(key)

    def take_dirty(self, grain: int) -> list[tuple[RowKey, list[int]]]:
        """Return the rows changed since the last call, and forget that they changed.

        The vectors are the live ones, not copies: read them before the totals change again.
        """
        rows = self.rows[grain]
        dirty = self.dirty[grain]
        changed = [(key, rows[key]) for key in dirty]
        dirty.clear()
        return changed

    def evict_ended(self, cutoff_us: int, live: Container[int]) -> None:
        """Forget, at every grain, the rows of 15-minute intervals that ended by the cutoff and
        hold no live contact (``live``: interval starts); rows not yet taken stay."""
        ended = [s for s in self._lanes if (s + INTERVAL_S) * US_PER_S <= cutoff_us and s not in live]
        for start in ended:
            lanes = self._lanes[start]
            for lane in [lane for lane in lanes if not self._evict_lane(lane, start)]:
                lanes.discard(lane)
            if not lanes:
                del self._lanes[start]

    def _evict_lane(self, lane: Lane, start: int) -> bool:
        """Forget one lane's rows of one interval at every grain; return whether any stay."""
        kept = False
        client, queue, channel = lane
        for grain in self.grains:
            rows, dirty = self.rows[grain], self.dirty[grain]
            for sub_start in range(start, start + INTERVAL_S, grain):
                key = (client, queue, channel, sub_start)
                if key in dirty:
                    kept = True
                else:
                    rows.pop(key, None)
        return kept
