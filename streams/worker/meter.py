"""What the worker measures of itself: progress, latency to ClickHouse and to the wallboard,
peak memory."""

from __future__ import annotations

import math
import time
from array import array
from collections import deque
from typing import Any

from streams.memory import peak_rss_mb

LATENCY_SAMPLES = 200_000
# Written batches a wallboard push can still account for (pushes come every 0.5 s), and at
# most this many of their production times: under a backlog 100 batches held 2M of them.
RECENT_BATCHES = 100
RECENT_EVENTS = 100_000


def quantile(sorted_values: list[float], q: float) -> float | None:
    """The nearest-rank quantile of sorted values (the smallest value with at least ``q`` of them
    at or below it: the p50 of 1…5 is 3, the p99 of 100 values the 99th); None when there are none.
    The rank is taken up, never rounded: Python's round() takes halves to even (2.5 -> 2)."""
    if not sorted_values:
        return None
    rank = min(len(sorted_values), max(1, math.ceil(q * len(sorted_values) - 1e-9)))
    return sorted_values[rank - 1]


class Meter:
    """Counters the status page shows and the benchmark reads."""

    def __init__(self) -> None:
        self.started = time.time()
        self.facts_sent = 0
        self.facts_received = 0
        self.batches = 0
        self.written_events = 0  # messages whose results are durable (valid or dead letters)
        self.first_batch_at: float | None = None
        self.last_write_at: float | None = None
        # Seconds from production (the message timestamp) to written in ClickHouse,
        self.latencies: deque[float] = deque(maxlen=LATENCY_SAMPLES)
        # and to a wallboard push that reflects it, sent to a connected browser.
        self.push_latencies: deque[float] = deque(maxlen=LATENCY_SAMPLES)
        self._recent: deque[tuple[int, array[float]]] = deque(maxlen=RECENT_BATCHES)
        self._recent_events = 0

    def batch_started(self) -> None:
        if self.first_batch_at is None:
            self.first_batch_at = time.time()

    def written(self, produced_at: list[float]) -> None:
        """Record a durable write of a batch whose messages were produced at these times."""
        now = self.last_write_at = time.time()
        self.batches += 1
        self.written_events += len(produced_at)
        self.latencies.extend(now - t for t in produced_at)
        recent = self._recent
        if len(recent) == recent.maxlen:
            self._recent_events -= len(recent[0][1])
        recent.append((self.batches, array("d", produced_at)))  # 8 bytes a time, not a float object
        self._recent_events += len(produced_at)
        while self._recent_events > RECENT_EVENTS and len(recent) > 1:
            self._recent_events -= len(recent.popleft()[1])

    def pushed(self, after_batch: int, through_batch: int) -> None:
        """A wallboard push reflecting batches after_batch+1 … through_batch reached its client."""
        now = time.time()
        for number, produced_at in self._recent:
            if after_batch < number <= through_batch:
                self.push_latencies.extend(now - t for t in produced_at)

    def status(self) -> dict[str, Any]:
        """Counters only: cheap enough to poll several times a second."""
        return {
            "written_events": self.written_events,
            "facts_sent": self.facts_sent,
            "facts_received": self.facts_received,
            "batches": self.batches,
            "first_batch_at": self.first_batch_at,
            "last_write_at": self.last_write_at,
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "uptime_s": round(time.time() - self.started, 1),
        }

    def latency(self) -> dict[str, Any]:
        """Quantiles of the recent latencies (sorting them is why this is not in the status)."""
        result: dict[str, Any] = {}
        for name, samples in (("latency", self.latencies), ("wallboard_latency", self.push_latencies)):
            ordered = sorted(samples)
            for q in (50, 95, 99):
                result[f"{name}_p{q}_s"] = quantile(ordered, q / 100)
            result[f"{name}_samples"] = len(ordered)
        return result
