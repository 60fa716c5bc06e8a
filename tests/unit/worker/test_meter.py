"""The worker's own latency figures: to ClickHouse, and to a wallboard push that reflects an event."""

from __future__ import annotations

import time

import pytest

from streams.worker.meter import RECENT_EVENTS, Meter, quantile


def test_a_push_counts_the_batches_it_reflects_once() -> None:
    meter = Meter()
    now = time.time()
    meter.written([now - 3.0, now - 2.0])  # batch 1: long before the client connected
    connected_at = meter.batches
    meter.written([now - 1.0])  # batch 2
    meter.written([now - 0.5, now - 0.5])  # batch 3
    meter.pushed(connected_at, meter.batches)
    meter.pushed(meter.batches, meter.batches)  # a keepalive: nothing new
    figures = meter.latency()
    assert figures["wallboard_latency_samples"] == 3
    assert 0.5 <= figures["wallboard_latency_p50_s"] < 0.6
    assert 1.0 <= figures["wallboard_latency_p99_s"] < 1.1
    assert figures["latency_samples"] == 5  # every written event, to ClickHouse
    assert "latency_p99_s" not in meter.status()  # the status stays cheap to poll


def test_a_backlog_keeps_only_the_latest_production_times_for_pushes() -> None:
    meter = Meter()
    now = time.time()
    for _ in range(5):  # catching up: batches of 40,000 events
        meter.written([now - 9.0] * 39_999 + [now - 1.0])
    meter.pushed(meter.batches - 1, meter.batches)  # the push reflects the last batch only
    assert meter.latency()["wallboard_latency_samples"] == 40_000
    assert sum(len(times) for _, times in meter._recent) <= RECENT_EVENTS
    meter.pushed(0, meter.batches)  # batches beyond the cap are no longer counted
    assert meter.latency()["wallboard_latency_samples"] == 40_000 + 2 * 40_000


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1, 2, 3, 4, 5], 0.5, 3),  # round() took 2.5 to 2: the p50 of 1…5 came out 2
        ([1, 2, 3, 4], 0.5, 2),
        (list(range(1, 101)), 0.99, 99),
        (list(range(1, 101)), 0.999, 100),
        (list(range(1, 11)), 0.95, 10),
        ([7], 0.5, 7),
        ([1, 2, 3], 0.0, 1),
        ([1, 2, 3], 1.0, 3),
        ([], 0.5, None),
    ],
)
def test_quantiles_are_the_nearest_rank(values: list[float], q: float, expected: float | None) -> None:
    assert quantile(values, q) == expected
