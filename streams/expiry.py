"""Where each kept contact stands, so a sweep visits only what may leave.

A sweep used to walk every contact of a book, and the state it walks grows with the
retention (ten days of facts in stage two). This index files each contact under the
15-minute bucket of the time it may leave (its *due* time, see ``Horizon.due_us``) and
counts the live contacts anchored in each interval, so a sweep reads the buckets before
the cutoff and the live intervals without a pass over the book.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

from streams.intervals import INTERVAL_S, US_PER_S

K = TypeVar("K", bound=Hashable)
BUCKET_US = INTERVAL_S * US_PER_S


class Expiry(Generic[K]):
    """Keys by due bucket, and live contacts per anchoring interval (epoch s)."""

    def __init__(self) -> None:
        self._of: dict[K, tuple[int, int | None]] = {}  # key -> (due bucket, anchor interval)
        self._buckets: dict[int, set[K]] = {}
        self.anchored: dict[int, int] = {}  # interval start -> live contacts anchored in it

    def __len__(self) -> int:
        return len(self._of)

    def put(self, key: K, due_us: int, interval: int | None) -> None:
        """File (or refile) a key under its current due time and anchoring interval."""
        new = (due_us // BUCKET_US, interval)
        old = self._of.get(key)
        if old == new:
            return
        self._of[key] = new
        if old is None or old[0] != new[0]:
            if old is not None:
                self._leave_bucket(key, old[0])
            bucket = self._buckets.get(new[0])
            if bucket is None:
                self._buckets[new[0]] = {key}
            else:
                bucket.add(key)
        if old is None or old[1] != interval:
            if old is not None and old[1] is not None:
                self._release(old[1])
            if interval is not None:
                self.anchored[interval] = self.anchored.get(interval, 0) + 1

    def remove(self, key: K) -> None:
        old = self._of.pop(key, None)
        if old is None:
            return
        self._leave_bucket(key, old[0])
        if old[1] is not None:
            self._release(old[1])

    def candidates(self, cutoff_us: int) -> list[K]:
        """Every key whose due time may be before the cutoff (a superset: check each)."""
        found: list[K] = []
        for bucket in [b for b in self._buckets if b * BUCKET_US < cutoff_us]:
            found.extend(self._buckets[bucket])
        return found

    def oldest_anchor_us(self, default: int) -> int:
        """No live contact is anchored before this (an interval start: a lower bound)."""
        return min(default, min(self.anchored) * US_PER_S) if self.anchored else default

    def _leave_bucket(self, key: K, bucket: int) -> None:
        members = self._buckets[bucket]
        members.discard(key)
        if not members:
            del self._buckets[bucket]

    def _release(self, interval: int) -> None:
        left = self.anchored[interval] - 1
        if left:
            self.anchored[interval] = left
        else:
            del self.anchored[interval]
