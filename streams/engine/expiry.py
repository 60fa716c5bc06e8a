"""When kept contacts may leave live state, so a sweep visits those and no others.

A sweep used to walk every contact of a book to find the few that may leave, and the books
hold days of contacts (stage two: the retention plus the FCR window). Here a key is filed
under the 15-minute bucket of the watermark after which it may leave. Filing is lazy: a
book files a key again whenever it changes, and the old entry is never looked for; a sweep
takes the buckets the watermark has passed and checks each key against the real rule.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

from streams.engine.intervals import INTERVAL_S, US_PER_S

K = TypeVar("K", bound=Hashable)
BUCKET_US = INTERVAL_S * US_PER_S


class Expiry(Generic[K]):
    """Keys by the bucket of the watermark after which they may leave (duplicates allowed)."""

    def __init__(self) -> None:
        self._buckets: dict[int, list[K]] = {}

    def file(self, key: K, after_us: int) -> None:
        """File a key to be checked once the watermark passes ``after_us``."""
        bucket = after_us // BUCKET_US
        keys = self._buckets.get(bucket)
        if keys is None:
            self._buckets[bucket] = [key]
        else:
            keys.append(key)

    def take(self, watermark_us: int) -> list[K]:
        """Take every key filed in a bucket the watermark has reached.

        The keys come in due order, may repeat, and may have left or changed since they were
        filed: the caller checks each, and files again one that may not leave yet.
        """
        reached = sorted(b for b in self._buckets if b * BUCKET_US < watermark_us)
        taken: list[K] = []
        for bucket in reached:
            taken += self._buckets.pop(bucket)
        return taken

    def __len__(self) -> int:
        return sum(len(keys) for keys in self._buckets.values())


class Anchored:
    """How many live contacts are anchored in each 15-minute interval (epoch s).

    An interval's rows may leave only once no live contact arrived in it.
    """

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}

    def __contains__(self, interval: object) -> bool:
        return interval in self.counts

    def add(self, interval: int) -> None:
        self.counts[interval] = self.counts.get(interval, 0) + 1

    def remove(self, interval: int) -> None:
        left = self.counts[interval] - 1
        if left:
            self.counts[interval] = left
        else:
            del self.counts[interval]

    def move(self, old: int | None, new: int | None) -> None:
        """A contact's anchor moved (None: it has none)."""
        if old != new:
            if old is not None:
                self.remove(old)
            if new is not None:
                self.add(new)

    def oldest_us(self, default: int) -> int:
        """No live contact arrived before this (an interval start, so a lower bound)."""
        return min(default, min(self.counts) * US_PER_S) if self.counts else default
