"""The Faust app: two thin agents around the pipeline stages, their timers, and the web pages.

Offsets are committed only after a batch's results are durable: the agents take batches
with ``noack_take`` and ack them themselves, after writing ClickHouse and after their Kafka
sends are delivered. (``take_events`` acks in a ``finally``, so a batch cut short by a
shutdown would be committed unwritten.) Stage one finishes a batch that way in a task while
it takes and counts the next one.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import faust
from faust.types import TP, EventT

from schemas.sla import load_sla
from streams.settings import Settings
from streams.stages.output import Record, StageOutput
from streams.storage.backends.protocol import ClickHouse
from streams.storage.writer import write_lag_sample
from streams.web.access import gate
from streams.web.erasure_page import register_erasure
from streams.web.pages import register_pages
from streams.worker.alert_cycle import AlertService
from streams.worker.erasing import apply_personal_retention, erase_live
from streams.worker.gather import gathered
from streams.worker.runtime import Runtime
from streams.worker.tuning import short_fetch_wait

log = logging.getLogger("cckpi.worker")
STALL_CHECK_EVERY_S = 5.0
IDLE_RESTORE_EVERY_S = 1.0
PERSONAL_DATA_EVERY_S = (
    3600.0  # the retention of personal data (in days): one query per client when nothing is due
)
AgentFn = Callable[[faust.StreamT], Awaitable[None]]


@dataclass(frozen=True)
class Topics:
    events: faust.TopicT
    facts: faust.TopicT
    dead_letters: faust.TopicT


def _records(events: Sequence[EventT], assigned: set[TP], topic: str) -> list[Record]:
    """The batch's messages, less any of a partition revoked while they waited in the buffer
    (its new owner reads them again from the committed offset; counting them here too would
    let two workers write the same partition). A message with no value (a tombstone another
    client sent) is a message of no bytes: a dead letter like any message that is no event."""
    held = {tp.partition for tp in assigned if tp.topic == topic}
    return [(e.message.partition, e.message.offset, b"" if e.value is None else e.value)
            for e in events if e.message.partition in held]  # fmt: skip


async def _ack(stream: faust.StreamT, batch: Sequence[EventT]) -> None:
    """Ack a batch once its results are durable and its sends delivered (never on cancel)."""
    for event in batch:
        await stream.ack(event)


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
        topic_replication_factor=settings.kafka_replication_factor,
        broker_credentials=settings.faust_credentials(),  # SASL and TLS: streams.kafka_access
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
        # Faust's own routes are off: /router names the other workers, /table would read tables.
        web_router_enabled=False,
        web_tables_enabled=False,
        web_application_options={"middlewares": [gate(settings)]},  # the token, before any route
    )


async def _finish(
    runtime: Runtime, topics: Topics, stream: faust.StreamT, batch: list[EventT], out: StageOutput
) -> None:
    """Make a stage-one batch durable, deliver its sends, then ack it."""
    await runtime.durable(out)
    runtime.meter.written([e.message.timestamp for e in batch])
    source = runtime.settings.topic
    sent = [
        await topics.dead_letters.send(
            value=letter.payload,
            headers={
                "reason": letter.reason.encode(),
                "source": f"{source}/{letter.partition}/{letter.offset}".encode(),
            },
        )
        for letter in out.dead_letters
    ]
    sent += [await topics.facts.send(value=message, partition=p) for p, message in out.facts]
    for delivery in sent:
        await delivery  # delivered before this batch is acked
    runtime.meter.facts_sent += len(out.facts)
    await _ack(stream, batch)


def contact_agent(app: faust.App, runtime: Runtime, topics: Topics) -> AgentFn:
    """Stage one over the event topic."""
    settings = runtime.settings
    # Behind by this many messages, the agent gathers several of Faust's takes into one batch:
    # under a backlog a take is cut by its wait after a few thousand messages, and each batch
    # pays for its inserts, fact messages and sweeps.
    backlog = settings.batch_size // 4
    hold_s = max(1.0, 4 * settings.batch_within_s)  # a take that has not come by then is not coming

    def behind(taken: Sequence[EventT]) -> bool:
        runtime.meter.batch_started()
        return runtime.waiting(app.consumer, taken) >= backlog

    async def contact_events(stream: faust.StreamT) -> None:
        # The previous batch's finish (runtime.finishing) runs while this one is taken and
        # counted (its output is a copy, made when it was counted). Batches finish one after
        # another, in order, so offsets are still acked only after everything before them is durable.
        takes = cast(faust.Stream, stream).noack_take(settings.batch_size, within=settings.batch_within_s)
        async for batch in gathered(takes, settings.batch_size, behind, hold_s):
            runtime.meter.batch_started()
            records = _records(batch, app.consumer.assignment(), settings.topic)
            runtime.taken(settings.topic, records)
            idle = [(p, done) for p, _, done in runtime.offsets(app.consumer, settings.topic)]
            async with runtime.stage_turn:
                if runtime.finishing is not None and runtime.unloaded(runtime.contacts, records, idle):
                    # A partition to restore (a first batch, or assigned again after a rebalance):
                    # the store must hold the previous batch first, or the restored state would
                    # miss it (its agent changes, its contacts) while its offsets are acked.
                    await runtime.finishing
                    runtime.finishing = None
                await runtime.ensure_loaded(runtime.contacts, records, idle)
                out = runtime.contacts.ingest(records, version=time.time_ns(), now_s=int(time.time()))
                if runtime.finishing is not None:
                    await runtime.finishing  # raises what the previous batch's finish raised
                runtime.finishing = asyncio.ensure_future(_finish(runtime, topics, stream, batch, out))

    return contact_events


async def restore_idle(app: faust.App, runtime: Runtime) -> None:
    """Restore stage one's assigned partitions that no message has reached since this process
    started: the wallboard and the alerts read their agents, contacts waiting and "now" at once,
    not only once traffic resumes."""
    idle = [(p, done) for p, _, done in runtime.offsets(app.consumer, runtime.settings.topic)]
    if not runtime.unloaded(runtime.contacts, [], idle):
        return
    async with runtime.stage_turn:
        if runtime.finishing is not None:
            await asyncio.wait({runtime.finishing})  # what it raises is the agent's to raise
        await runtime.ensure_loaded(runtime.contacts, [], idle)


def fcr_agent(app: faust.App, runtime: Runtime) -> AgentFn:
    """Stage two over the facts topic."""
    settings = runtime.settings

    async def fcr_facts(stream: faust.StreamT) -> None:
        async for batch in cast(faust.Stream, stream).noack_take(
            settings.batch_size, within=settings.batch_within_s
        ):
            records = _records(batch, app.consumer.assignment(), settings.facts_topic)
            runtime.taken(settings.facts_topic, records)
            async with runtime.fcr_turn:
                await runtime.ensure_loaded(runtime.fcr, records)
                out = runtime.fcr.ingest(records, version=time.time_ns(), now_s=int(time.time()))
                await runtime.durable(out)
            runtime.meter.facts_received += len(records)
            runtime.meter.last_write_at = time.time()
            await _ack(stream, batch)

    return fcr_facts


async def sample_lag(app: faust.App, runtime: Runtime) -> None:
    """Record consumer lag per partition for the operations dashboard."""
    now, topic = int(time.time()), runtime.settings.topic
    rows = [[now, runtime.worker_id, topic, partition, highwater, done, max(0, highwater - done)]
            for partition, highwater, done in runtime.offsets(app.consumer, topic)]  # fmt: skip
    if rows:
        try:
            await asyncio.to_thread(write_lag_sample, runtime.store, rows)
        except Exception as error:  # a lost sample is fine; the next one comes soon
            log.warning("lag sample not written: %s", error)


def create_app(settings: Settings, store: ClickHouse | None = None) -> faust.App:
    """Build the worker app for the given endpoints."""
    app = faust.App(settings.group, **faust_settings(settings))
    runtime = Runtime(settings, load_sla(settings.sla_file), store)
    app.cckpi_runtime = runtime  # type: ignore[attr-defined]
    topics = Topics(
        app.topic(settings.topic, partitions=settings.partitions),
        app.topic(settings.facts_topic, partitions=settings.partitions),
        app.topic(settings.dlq_topic, partitions=1),
    )
    app.agent(topics.events)(contact_agent(app, runtime, topics))
    app.agent(topics.facts)(fcr_agent(app, runtime))

    async def lag() -> None:
        await sample_lag(app, runtime)

    async def stalls() -> None:
        runtime.check_stalls(app.consumer, time.monotonic())

    async def idle() -> None:
        await restore_idle(app, runtime)

    app.timer(interval=IDLE_RESTORE_EVERY_S)(idle)
    app.timer(interval=settings.lag_every_s)(lag)
    app.timer(interval=STALL_CHECK_EVERY_S)(stalls)

    alerts = AlertService(runtime)
    app.cckpi_alerts = alerts  # type: ignore[attr-defined]

    failing = False  # said once per outage: evaluations run every tick, quiet stream or not

    async def evaluate_alerts() -> None:
        nonlocal failing
        try:
            await alerts.tick(app.consumer)
        except Exception:  # an evaluation that fails is retried at the next tick; the pipeline goes on
            if not failing:
                log.exception("alert evaluation failed (retried every %.0f s)", settings.alert_every_s)
            failing = True
        else:
            if failing:
                log.warning("alert evaluation works again")
            failing = False

    async def deliver_alerts() -> None:
        await alerts.deliver()

    app.timer(interval=settings.alert_every_s)(evaluate_alerts)

    async def personal_data() -> None:
        await apply_personal_retention(runtime)

    app.timer(interval=PERSONAL_DATA_EVERY_S, on_leader=True)(personal_data)  # one worker rewrites
    app.task(deliver_alerts)

    async def on_revoked(sender: Any, revoked: set[TP], **kwargs: Any) -> None:
        runtime.revoke(revoked)

    app.on_partitions_revoked.connect(on_revoked)  # type: ignore[arg-type]  # faust sends the set positionally
    register_pages(app, runtime, alerts)

    async def eraser(client: str, customers: list[str], tables: bool) -> dict[str, int]:
        erased = await erase_live(runtime, client, customers, tables)
        return {**dataclasses.asdict(erased), "rows": erased.total}

    register_erasure(app, eraser)
    return app
