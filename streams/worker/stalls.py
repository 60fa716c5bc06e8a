"""Whether each assigned partition is moving: a partition with messages waiting whose done
offset has not moved for a while is stalled, and the worker says so instead of idling silently.

Pure bookkeeping: the worker feeds it each partition's high-water mark and done offset (the
next offset after its last durable batch, or the group's committed offset); no Kafka here.
"""

from __future__ import annotations

from dataclasses import dataclass

Partition = tuple[str, int]  # topic, partition


@dataclass(frozen=True, slots=True)
class Stall:
    topic: str
    partition: int
    waiting: int  # messages beyond the done offset
    done: int
    since_s: float  # how long the done offset has not moved


@dataclass(slots=True)
class _Seen:
    done: int
    moved_at: float  # when the done offset last moved, or messages began to wait
    idle: bool  # nothing was waiting


class StallWatch:
    """The last move of each partition's done offset."""

    def __init__(self, stall_after_s: float) -> None:
        self.stall_after_s = stall_after_s
        self._seen: dict[Partition, _Seen] = {}
        self.stalled: list[Stall] = []

    def observe(
        self, offsets: dict[Partition, tuple[int, int]], now: float
    ) -> tuple[list[Stall], list[Stall]]:
        """Take each assigned partition's (high-water mark, done offset); forget the others.

        Return the partitions that stalled since the last call, and those that moved again.
        """
        seen = self._seen
        for gone in [p for p in seen if p not in offsets]:
            del seen[gone]
        stalled = []
        for partition, (highwater, done) in offsets.items():
            last = seen.get(partition)
            idle = done >= highwater
            if last is None or done != last.done or last.idle:
                seen[partition] = last = _Seen(done, now, idle)  # new, moved, or waiting from now
            last.idle = idle
            if not idle and now - last.moved_at >= self.stall_after_s:
                stalled.append(Stall(partition[0], partition[1], highwater - done, done, now - last.moved_at))
        before = {(s.topic, s.partition) for s in self.stalled}
        after = {(s.topic, s.partition) for s in stalled}
        new = [s for s in stalled if (s.topic, s.partition) not in before]
        resumed = [s for s in self.stalled if (s.topic, s.partition) not in after]
        self.stalled = stalled
        return new, resumed
