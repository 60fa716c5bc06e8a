"""Interval arithmetic: a replay range is widened to whole rows, never narrowed."""

from __future__ import annotations

from streams.engine.intervals import INTERVAL_S, whole_intervals


def test_whole_intervals_keeps_aligned_ranges_and_widens_ragged_ones() -> None:
    start = 1_790_000_100 - 1_790_000_100 % INTERVAL_S
    assert whole_intervals(start, start + 4 * INTERVAL_S) == (start, start + 4 * INTERVAL_S)
    assert whole_intervals(start + 1, start + 4 * INTERVAL_S - 1) == (start, start + 4 * INTERVAL_S)
    assert whole_intervals(start + 899, start + 901) == (start, start + 2 * INTERVAL_S)
