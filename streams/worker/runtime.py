"""The worker's state between batches: the two stages, the store, offsets and counters."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from faust.types import TP, EventT

from schemas.sla import SlaSettings
from streams.settings import Settings
from streams.stages.contact_stage import ContactStage
from streams.stages.fcr_stage import FcrStage
from streams.stages.output import Record, StageOutput, batch_ends, batch_starts
from streams.stages.stage import Stage
from streams.storage.backends.connect import connect
from streams.storage.backends.protocol import ClickHouse
from streams.storage.holiday_dates import keep_holidays
from streams.storage.state_reads import load_state
from streams.storage.writer import write_batch
from streams.worker.meter import Meter
from streams.worker.stalls import StallWatch

log = logging.getLogger("cckpi.worker")
T = TypeVar("T")


def _committed(consumer: Any, tp: TP) -> int | None:
    """The group's committed offset for a partition as Faust holds it (read from the broker when
    the partition is assigned, then kept at each commit); None while it is not known."""
    committed: Any = getattr(consumer, "_committed_offset", {})
    offset = committed.get(tp)
    return offset if isinstance(offset, int) and offset >= 0 else None


class Runtime:
    """The worker's state: the stages, the store, and the counters the status page shows."""

    def __init__(self, settings: Settings, sla: SlaSettings, store: ClickHouse | None = None) -> None:
        self.settings = settings
        self.sla = sla
        self.retention = settings.retention()
        self.contacts = ContactStage(
            sla, settings.partitions, retention=self.retention, max_future_us=settings.max_future_us()
        )
        self.fcr = FcrStage(retention=self.retention, sources=settings.partitions)
        self._store = store
        self.meter = Meter()
        self.positions: dict[TP, int] = {}  # next offset after the last batch taken, both topics
        self.stalls = StallWatch(settings.stall_after_s)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"
        # Stage one restores a partition only once the store holds every batch counted before:
        # the agent and the idle restore (a timer) take turns, and both wait for this finish.
        self.stage_turn = asyncio.Lock()
        self.fcr_turn = asyncio.Lock()  # stage two's batches, and an erasure, take turns
        self.finishing: asyncio.Future[None] | None = None

    @property
    def store(self) -> ClickHouse:
        if self._store is None:
            settings = self.settings
            url, folder, database = settings.worker_clickhouse(), settings.data_dir, settings.database
            self._store = connect(url, folder, database, own_process=True)
            this_year = time.gmtime().tm_year
            keep_holidays(self._store, self.sla, range(this_year - 1, this_year + 2))
        return self._store

    @property
    def store_peak_rss_mb(self) -> float | None:
        """Peak RSS of the embedded store's own process, when it has one."""
        return getattr(self._store, "peak_rss_mb", None)

    async def _persistently(self, what: str, call: Callable[[], T]) -> T:
        """Run a ClickHouse call in a thread until it succeeds, backing off (cap 10 s).

        While ClickHouse is away the agent waits here: its batch is not acked, offsets stay
        where they are, and the consumer stops fetching once Faust's buffers are full.
        """
        attempt = 0
        while True:
            try:
                return await asyncio.to_thread(call)
            except Exception as error:  # any store failure: hold the offsets and retry
                attempt += 1
                delay = min(10.0, 0.25 * 2**attempt)
                log.warning("ClickHouse %s failed (%s); retry %d in %.1fs", what, error, attempt, delay)
                await asyncio.sleep(delay)

    def unloaded(
        self, stage: Stage, records: Sequence[Record], idle: Sequence[tuple[int, int]] = ()
    ) -> list[int]:
        """The partitions of these records (and the idle ones) the stage has not loaded."""
        return sorted(p for p in dict(idle) | batch_starts(records) if not stage.loaded(p))

    async def ensure_loaded(
        self, stage: Stage, records: Sequence[Record], idle: Sequence[tuple[int, int]] = ()
    ) -> None:
        """Restore the partitions of these records that this process has not yet loaded, and the
        ``idle`` ones (partition, next offset) too: agents' open states in a partition with no new
        messages still last until their client's latest event."""
        starts = dict(idle) | batch_starts(records)
        for partition in self.unloaded(stage, records, idle):
            load = functools.partial(load_state, self.store, stage, partition, starts[partition])
            watermark_us, contacts, agents, latest, rows = await self._persistently("state load", load)
            stage.restore(partition, contacts, watermark_us, agents, latest, rows)
            log.info("partition %s of %s: %d contacts, %d agent changes, %d agent rows restored", partition,
                     stage.name, len(contacts), len(agents), len(rows))  # fmt: skip

    async def durable(self, out: StageOutput) -> None:
        """Write a batch's results; nothing is acked until this returns."""
        await self._persistently("write", lambda: write_batch(self.store, out, self.settings.topic))

    def taken(self, topic: str, records: Sequence[Record]) -> None:
        """Note how far a batch's records reach in each of the topic's partitions."""
        positions = self.positions
        for partition, end in batch_ends(records).items():
            tp = TP(topic, partition)
            positions[tp] = max(positions.get(tp, 0), end)

    def done(self, consumer: Any, tp: TP) -> int:
        """The next offset after the last batch taken from a partition, or the group's committed
        offset where that is further (a partition this process has not taken from; 0 where the
        group has committed nothing: it reads from the earliest)."""
        return max(self.positions.get(tp, 0), _committed(consumer, tp) or 0)

    def offsets(self, consumer: Any, topic: str) -> list[tuple[int, int, int]]:
        """(partition, high-water mark, done offset) of each assigned partition of a topic, in order."""
        mine = sorted(tp for tp in consumer.assignment() if tp.topic == topic)
        return [(tp.partition, consumer.highwater(tp) or 0, self.done(consumer, tp)) for tp in mine]

    def waiting(self, consumer: Any, taken: Sequence[EventT]) -> int:
        """Messages of the source topic in the broker beyond those taken or done (an estimate:
        a batch gathered on it never waits long for messages that do not come, see gathered)."""
        offsets = self.offsets(consumer, self.settings.topic)
        ahead: dict[int, int] = {}  # partition -> the offset after its last message taken
        unseen = {partition for partition, _, _ in offsets}
        for event in reversed(taken):  # called on every take: the newest few cover every partition
            if not unseen:
                break
            partition = event.message.partition
            if partition in unseen:
                unseen.discard(partition)
                ahead[partition] = event.message.offset + 1
        return sum(
            max(0, highwater - max(done, ahead.get(partition, 0))) for partition, highwater, done in offsets
        )

    def check_stalls(self, consumer: Any, now: float) -> None:
        """Say so, in the log and on the status page, when an assigned partition with messages
        waiting has not moved for a while; and when it moves again."""
        offsets = {
            (topic, partition): (highwater, done)
            for topic in (self.settings.topic, self.settings.facts_topic)
            for partition, highwater, done in self.offsets(consumer, topic)
        }
        stalled, resumed = self.stalls.observe(offsets, now)
        for stall in stalled:
            log.warning("partition %s/%d stalled: %d messages waiting after offset %d, none taken for %.0fs",
                        stall.topic, stall.partition, stall.waiting, stall.done, stall.since_s)  # fmt: skip
        for stall in resumed:
            log.warning("partition %s/%d moves again", stall.topic, stall.partition)

    def status(self) -> dict[str, Any]:
        """What the status page shows of this worker."""
        return {
            "valid_events": self.contacts.valid,
            "dead_letters": self.contacts.rejected,
            "stalled_partitions": [dataclasses.asdict(s) for s in self.stalls.stalled],
            **self.meter.status(),
            "store_peak_rss_mb": self.store_peak_rss_mb,
        }

    def revoke(self, revoked: set[TP]) -> None:
        for tp in revoked:
            self.positions.pop(tp, None)
            if tp.topic == self.settings.topic:
                self.contacts.drop(tp.partition)
            elif tp.topic == self.settings.facts_topic:
                self.fcr.drop(tp.partition)
