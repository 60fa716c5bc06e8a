"""Row totals: additive vectors per (client, queue, channel, interval_start), at several grains.

Each contact's contribution is kept beside it, so a change is applied as retract-then-add
and the totals always equal the sum over the current contact states.
"""

from __future__ import annotations

from operator import add, sub

from streams.intervals import INTERVAL_S, MINUTE_S, US_PER_S, interval_start
from streams.kpi import WIDTH, Vector

RowKey = tuple[str, str, str, int]  # client, queue, channel, interval_start (epoch s)
# What a contribution is anchored to: client, queue, channel, arrival epoch us.
Anchor = tuple[str, str, str, int]
GRAINS: tuple[int, ...] = (INTERVAL_S, MINUTE_S)
_ZEROS = (0,) * WIDTH


class RowTotals:
    """Sums of contributions per row, per grain, with the set of rows changed since a flush."""

    def __init__(self, grains: tuple[int, ...] = GRAINS) -> None:
        self.grains = grains
        self.rows: dict[int, dict[RowKey, list[int]]] = {grain: {} for grain in grains}
        self.dirty: dict[int, set[RowKey]] = {grain: set() for grain in grains}

    def _add(self, anchor: Anchor, vector: Vector, sign: int) -> None:
        client, queue, channel, at_us = anchor
        combine = add if sign > 0 else sub
        for grain in self.grains:
            key = (client, queue, channel, interval_start(at_us, grain))
            rows = self.rows[grain]
            row = rows.get(key)
            if row is None:
                rows[key] = list(map(combine, _ZEROS, vector))
            else:
                row[:] = map(combine, row, vector)
            self.dirty[grain].add(key)

    def replace(self, old: tuple[Anchor, Vector] | None, new: tuple[Anchor, Vector] | None) -> None:
        """Swap one contact's old contribution for its new one."""
        if old == new:
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
            self.rows[grain].setdefault(key, [0] * WIDTH)
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

    def evict_ended(self, cutoff_us: int, live: set[int]) -> None:
        """Forget, at every grain, the rows of 15-minute intervals that ended by the cutoff and
        hold no live contact (``live``: interval starts); rows not yet taken stay."""
        for grain in self.grains:
            rows, dirty = self.rows[grain], self.dirty[grain]
            for key in list(rows):
                start = key[3] - key[3] % INTERVAL_S
                if (start + INTERVAL_S) * US_PER_S <= cutoff_us and start not in live and key not in dirty:
                    del rows[key]

    def merged(self, other: RowTotals, grain: int) -> dict[RowKey, list[int]]:
        """Sum two totals at one grain (contact rows plus FCR rows make the KPI rows)."""
        out = {key: list(row) for key, row in self.rows[grain].items()}
        for key, row in other.rows[grain].items():
            target = out.setdefault(key, [0] * WIDTH)
            for i, value in enumerate(row):
                target[i] += value
        return out
