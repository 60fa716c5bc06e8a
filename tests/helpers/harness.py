"""Run the real pipeline on given messages: broker, a worker process, ClickHouse; read results back."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import orjson
from clickhouse_driver.errors import ServerException
from pydantic import BaseModel

from cckpi.stack.broker import free_port
from cckpi.stack.launcher import WorkerProcess, wait_drained
from producers.outputs import KafkaOutput
from schemas.kpi import KpiRow
from schemas.sla import SlaSettings
from streams.kafka import ensure_topics
from streams.settings import Settings
from streams.stages.contact_stage import ContactStage
from streams.stages.direct import both_stages
from streams.stages.fcr_stage import FcrStage
from streams.storage.backends.connect import connect
from streams.storage.backends.protocol import ClickHouse
from streams.storage.breakdown_reads import read_agent_rows, read_reason_rows, read_staffing_rows
from streams.storage.kpi_reads import read_kpi_rows
from streams.storage.schema.migrate import migrate
from streams.storage.writer import write_batch
from tests.helpers.messy import Message

__all__ = ["Message", "PipelineRun", "drain", "new_settings", "produce", "produce_librdkafka", "run_pipeline",
           "when_loaded"]  # fmt: skip

_runs = itertools.count(1)
T = TypeVar("T")


@dataclass
class PipelineRun:
    settings: Settings
    store_url: str | None
    status: dict[str, Any] = field(default_factory=dict)  # the worker's /api/status once drained

    def open_store(self) -> ClickHouse:
        """Open the run's ClickHouse (for chDB only once the worker has stopped)."""
        return connect(self.store_url, self.settings.data_dir, self.settings.database)

    def kpi_rows(self, grain: int = 900) -> list[KpiRow]:
        store = self.open_store()
        try:
            return read_kpi_rows(store, grain)
        finally:
            store.close()

    def grain_rows(self, grain: str, sla: SlaSettings | None = None) -> list[dict[str, Any]]:
        """Stored rows by reason, per agent or for staffing, as ``cckpi compute --grain`` prints them."""
        store = self.open_store()
        try:
            return stored_grain_rows(store, grain, sla or SlaSettings())
        finally:
            store.close()


def stored_grain_rows(store: ClickHouse, grain: str, sla: SlaSettings) -> list[dict[str, Any]]:
    rows: Sequence[BaseModel]
    if grain == "reasons":
        rows = read_reason_rows(store, sla)
    elif grain == "agents":
        rows = read_agent_rows(store)
    else:
        rows = read_staffing_rows(store, sla)
    return [row.model_dump() for row in rows]


def new_settings(tmp: Path, bootstrap: str, store_url: str | None, partitions: int = 3) -> Settings:
    run = next(_runs)
    return Settings(
        kafka_bootstrap=bootstrap,
        clickhouse_url=store_url,
        data_dir=tmp / f"run{run}",
        database=f"t{run}_{tmp.name[-12:].replace('-', '_')}".lower(),
        topic=f"events-{tmp.name}-{run}",
        group=f"cckpi-{tmp.name}-{run}",
        partitions=partitions,
        web_port=free_port(),
        batch_within_s=0.2,
        max_future_s=0,  # the tests' streams are stamped on fixed dates, whatever CI's clock says
    )


def produce(settings: Settings, messages: Sequence[Message]) -> None:
    output = KafkaOutput(settings.require_bootstrap(), settings.topic)
    for message in messages:
        output.send_raw(message.key, message.value)
    output.close()


def produce_librdkafka(
    bootstrap: str,
    topic: str,
    messages: Sequence[Message],
    compression: str = "none",
    partition: int | None = None,
) -> None:
    """Produce as other teams' clients do: librdkafka (confluent-kafka), batching with a linger,
    keyed as the contract says (or all to one partition)."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "compression.type": compression})
    for message in messages:
        while True:
            try:
                if partition is None:
                    producer.produce(topic, key=message.key, value=message.value)
                else:
                    producer.produce(topic, key=message.key, value=message.value, partition=partition)
                break
            except BufferError:  # its queue is full: let it deliver some first
                producer.poll(0.05)
        producer.poll(0)
    assert producer.flush(60) == 0, "librdkafka could not deliver every message"


def run_pipeline(settings: Settings, messages: Sequence[Message], store_url: str | None) -> PipelineRun:
    """Produce, run one worker until everything is committed, stop it; results stay in storage."""
    ensure_topics(settings)
    produce(settings, messages)
    return drain(settings, store_url)


def drain(settings: Settings, store_url: str | None) -> PipelineRun:
    """Run one worker until everything in the topics is committed, stop it; results stay in storage."""
    worker = WorkerProcess(settings, settings.data_dir / "worker.log")
    try:
        worker.wait_ready()
        wait_drained(settings, timeout_s=240)
        status = worker.get("/api/status")
    finally:
        code = worker.stop()
    assert code == 0, f"worker exited with {code}; see {worker.log_path}"
    return PipelineRun(settings, store_url, status)


def when_loaded(connect: Callable[[], T], timeout_s: float = 30.0) -> T:
    """A connection as a user written to the server's users.d, once the server has read the file
    (it reads users.d again every few seconds)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return connect()
        except ServerException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def load_through_stages(store: ClickHouse, events: list[dict[str, Any]]) -> None:
    """What a worker would write for these events (no broker: the read set is what is tested)."""
    migrate(store)
    contacts, fcr = ContactStage(SlaSettings(), 1), FcrStage()
    contacts.restore(0, [])
    fcr.restore(0, [])
    records = [(0, offset, orjson.dumps(e)) for offset, e in enumerate(events)]
    one, two = both_stages(contacts, fcr, records, version=time.time_ns(), now_s=int(time.time()))
    write_batch(store, one, "contact-events")
    write_batch(store, two, "fcr")
