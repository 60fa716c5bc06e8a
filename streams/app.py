"""The Faust app: two thin agents around the pipeline stages, plus a status page.

Offsets are committed only after a batch's results are durable: the agents take batches
with ``noack_take`` and ack them themselves, after writing ClickHouse and after their Kafka
sends are delivered. (``take_events`` acks in a ``finally``, so a batch cut short by a
shutdown would be committed unwritten.) Stage one finishes a batch that way in a task while
it takes and counts the next one.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import faust
from faust.types import TP, EventT

from cckpi.settings import Settings
from schemas.sla import SlaSettings, load_sla
from streams.clickhouse import ClickHouse, connect
from streams.gather import gathered
from streams.meter import Meter
from streams.pipeline import ContactStage, FcrStage, Record, Writes, batch_ends, batch_starts
from streams.progress import Progress
from streams.storage import LAG_COLUMNS, load_state
from streams.tuning import short_fetch_wait
from streams.web.pages import register_pages
from streams.writer import write_batch

log = logging.getLogger("cckpi.worker")
PROGRESS_EVERY_S = 5.0
T = TypeVar("T")


def _committed(consumer: Any, tp: TP) -> int | None:
    """The group's committed offset for a partition as Faust holds it (read from the broker when
    the partition is assigned, then kept at each commit); None while it is not known."""
    committed: Any = getattr(consumer, "_committed_offset", {})
    offset = committed.get(tp)
    return offset if isinstance(offset, int) and offset >= 0 else None


def _records(events: Sequence[EventT], assigned: set[TP], topic: str) -> list[Record]:
    """The batch's messages, less any of a partition revoked while they waited in the buffer
    (its new owner reads them again from the committed offset; counting them here too would
    let two workers write the same partition)."""
    held = {tp.partition for tp in assigned if tp.topic == topic}
    return [(e.message.partition, e.message.offset, e.value) for e in events if e.message.partition in held]


async def _ack(stream: faust.StreamT, batch: Sequence[EventT]) -> None:
    """Ack a batch once its results are durable and its sends delivered (never on cancel)."""
    for event in batch:
        await stream.ack(event)


def _produced_at(events: Sequence[EventT]) -> list[float]:
    return [e.message.timestamp for e in events]


class Runtime:
    """The worker's state: the stages, the store, and the counters the status page shows."""

    def __init__(self, settings: Settings, sla: SlaSettings, store: ClickHouse | None = None) -> None:
        self.settings = settings
        self.sla = sla
        self.retention = settings.retention()
        self.contacts = ContactStage(sla, settings.partitions, retention=self.retention)
        self.fcr = FcrStage(retention=self.retention, sources=settings.partitions)
        self._store = store
        self.meter = Meter()
        self.positions: dict[TP, int] = {}  # next offset after the last batch taken, both topics
        self.progress = Progress(settings.stall_after_s)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"

    @property
    def store(self) -> ClickHouse:
        if self._store is None:
            settings = self.settings
            url, folder, database = settings.clickhouse(), settings.data_dir, settings.database
            self._store = connect(url, folder, database, own_process=True)
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

    async def ensure_loaded(self, stage: ContactStage | FcrStage, records: Sequence[Record]) -> None:
        """Restore the partitions of these records that this process has not yet loaded."""
        for partition, first_offset in sorted(batch_starts(records).items()):
            if not stage.loaded(partition):
                load = functools.partial(load_state, self.store, stage, partition, first_offset)
                watermark_us, contacts = await self._persistently("state load", load)
                stage.restore(partition, contacts, watermark_us)
                log.info("partition %s of %s: %d contacts restored", partition, stage.name, len(contacts))

    async def durable(self, writes: Writes) -> None:
        """Write a batch's results; nothing is acked until this returns."""
        await self._persistently("write", lambda: write_batch(self.store, writes, self.settings.topic))

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

    def check_progress(self, consumer: Any, now: float) -> None:
        """Say so, in the log and on the status page, when an assigned partition with messages
        waiting has not moved for a while; and when it moves again."""
        offsets = {
            (topic, partition): (highwater, done)
            for topic in (self.settings.topic, self.settings.facts_topic)
            for partition, highwater, done in self.offsets(consumer, topic)
        }
        stalled, resumed = self.progress.observe(offsets, now)
        for stall in stalled:
            log.warning("partition %s/%d stalled: %d messages waiting after offset %d, none taken for %.0fs",
                        stall.topic, stall.partition, stall.waiting, stall.done, stall.since_s)  # fmt: skip
        for stall in resumed:
            log.warning("partition %s/%d moves again", stall.topic, stall.partition)

    def revoke(self, revoked: set[TP]) -> None:
        for tp in revoked:
            self.positions.pop(tp, None)
            if tp.topic == self.settings.topic:
                self.contacts.drop(tp.partition)
            elif tp.topic == self.settings.facts_topic:
                self.fcr.drop(tp.partition)


def faust_settings(settings: Settings) -> dict[str, Any]:
    """Faust settings measured on this kind of machine (../shared/notes), shared by every app."""
    short_fetch_wait()
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # Faust makes its folder without parents
    return dict(
        broker=f"kafka://{settings.require_bootstrap()}",
        value_serializer="raw",
        key_serializer="raw",
        store="memory://",
        datadir=str(settings.data_dir / "faust"),  # not the working directory
        topic_partitions=settings.partitions,
        topic_replication_factor=1,
        consumer_auto_offset_reset="earliest",
        broker_rebalance_timeout=6,  # Tansu completes a join after about half of this
        broker_session_timeout=6,  # aiokafka's JoinGroup may carry only this one
        broker_heartbeat_interval=1.0,
        broker_max_poll_interval=300,  # must stay large, or a long fetch evicts the worker
        broker_commit_every=10_000,
        broker_commit_interval=1.0,
        stream_wait_empty=False,
        producer_linger_ms=20,
        producer_max_batch_size=1 << 20,
        web_enabled=settings.web_port > 0,
        web_port=settings.web_port or 6066,
        web_bind=settings.web_host,
        web_host=settings.web_host,
    )


def create_app(settings: Settings, store: ClickHouse | None = None) -> faust.App:
    """Build the worker app for the given endpoints."""
    sla = load_sla(settings.sla_file)
    app = faust.App(settings.group, **faust_settings(settings))
    runtime = Runtime(settings, sla, store)
    app.cckpi_runtime = runtime  # type: ignore[attr-defined]
    events = app.topic(settings.topic, partitions=settings.partitions)
    facts = app.topic(settings.facts_topic, partitions=settings.partitions)
    dlq = app.topic(settings.dlq_topic, partitions=1)
    # Behind by this many messages, the agent gathers several of Faust's takes into one batch:
    # under a backlog a take is cut by its wait after a few thousand messages, and each batch
    # pays for its inserts, fact messages and sweeps.
    backlog = settings.batch_size // 4
    hold_s = max(1.0, 4 * settings.batch_within_s)  # a take that has not come by then is not coming

    async def finish(stream: faust.StreamT, batch: list[EventT], writes: Writes) -> None:
        """Make a stage-one batch durable, deliver its sends, then ack it."""
        await runtime.durable(writes)
        runtime.meter.written(_produced_at(batch))
        sent = [
            await dlq.send(
                value=letter.payload,
                headers={
                    "reason": letter.reason.encode(),
                    "source": f"{settings.topic}/{letter.partition}/{letter.offset}".encode(),
                },
            )
            for letter in writes.dead_letters
        ]
        sent += [await facts.send(value=message, partition=p) for p, message in writes.facts]
        for delivery in sent:
            await delivery  # delivered before this batch is acked
        runtime.meter.facts_sent += len(writes.facts)
        await _ack(stream, batch)

    def behind(taken: Sequence[EventT]) -> bool:
        runtime.meter.batch_started()
        return runtime.waiting(app.consumer, taken) >= backlog

    @app.agent(events)
    async def contact_events(stream: faust.StreamT) -> None:
        # The previous batch's finish, running while this one is taken and counted (its
        # writes are copies, made when it was counted). Batches finish one after another,
        # in order, so offsets are still acked only after everything before them is durable.
        finishing: asyncio.Future[None] | None = None
        takes = cast(faust.Stream, stream).noack_take(settings.batch_size, within=settings.batch_within_s)
        async for batch in gathered(takes, settings.batch_size, behind, hold_s):
            runtime.meter.batch_started()
            records = _records(batch, app.consumer.assignment(), settings.topic)
            runtime.taken(settings.topic, records)
            await runtime.ensure_loaded(runtime.contacts, records)
            writes = runtime.contacts.ingest(records, int(time.time()), time.time_ns())
            if finishing is not None:
                await finishing  # raises what the previous batch's finish raised
            finishing = asyncio.ensure_future(finish(stream, batch, writes))

    @app.agent(facts)
    async def fcr_facts(stream: faust.StreamT) -> None:
        async for batch in cast(faust.Stream, stream).noack_take(
            settings.batch_size, within=settings.batch_within_s
        ):
            records = _records(batch, app.consumer.assignment(), settings.facts_topic)
            runtime.taken(settings.facts_topic, records)
            await runtime.ensure_loaded(runtime.fcr, records)
            await runtime.durable(runtime.fcr.ingest(records, time.time_ns(), int(time.time())))
            runtime.meter.facts_received += len(records)
            runtime.meter.last_write_at = time.time()
            await _ack(stream, batch)

    @app.timer(interval=settings.lag_every_s)
    async def sample_lag() -> None:
        """Record consumer lag per partition for the operations dashboard."""
        now = int(time.time())
        offsets = runtime.offsets(app.consumer, settings.topic)
        rows = [[now, runtime.worker_id, settings.topic, partition, highwater, position,
                 max(0, highwater - position)] for partition, highwater, position in offsets]  # fmt: skip
        if rows:
            try:
                await asyncio.to_thread(runtime.store.insert, "pipeline_lag", LAG_COLUMNS, rows)
            except Exception as error:  # a lost sample is fine; the next one comes soon
                log.warning("lag sample not written: %s", error)

    @app.timer(interval=PROGRESS_EVERY_S)
    async def watch_progress() -> None:
        runtime.check_progress(app.consumer, time.monotonic())

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]  # faust sends the set positionally
    async def on_revoked(sender: Any, revoked: set[TP], **kwargs: Any) -> None:
        runtime.revoke(revoked)

    register_pages(app, runtime)
    return app
