"""Messages compressed with every codec Kafka defines, by a client the project does not use,
are read by the worker, by replay's Kafka source and by the drain check alike."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from cckpi.stack.broker import TansuBroker
from cckpi.stack.launcher import WorkerProcess, wait_drained
from producers.outputs import CODECS
from schemas.kpi import OUTPUT_COLUMNS
from streams.batch.compute import LineTally, compute_rows, read_events
from streams.kafka import ensure_topics
from streams.replay.kafka_source import read_topic
from tests.helpers.cli import cckpi
from tests.helpers.harness import PipelineRun, drain, new_settings, produce_librdkafka
from tests.helpers.messy import messy_stream

pytestmark = pytest.mark.integration


def test_every_codec_gives_the_rows_of_compute(
    tmp_path: Path, broker: TansuBroker, store_url: str | None
) -> None:
    stream = messy_stream(21, days=2, contacts=1200)
    settings = new_settings(tmp_path, broker.bootstrap, store_url)
    ensure_topics(settings)
    share = len(stream.messages) // len(CODECS) + 1
    for n, codec in enumerate(CODECS):  # a fifth of the stream in each codec, in stream order
        produce_librdkafka(
            broker.bootstrap, settings.topic, stream.messages[n * share : (n + 1) * share], codec
        )
    run = drain(settings, store_url)
    assert run.status["dead_letters"] == stream.bad
    expected = compute_rows(read_events(stream.values(), LineTally()))
    rows = run.kpi_rows()
    assert [r.model_dump(include=set(OUTPUT_COLUMNS)) for r in rows] == [
        r.model_dump(include=set(OUTPUT_COLUMNS)) for r in expected
    ]
    # Replay's source reads them back, outside the group: every message, byte for byte.
    assert sorted(read_topic(broker.bootstrap, settings.topic, 0)) == sorted(stream.values())


def test_a_batch_the_worker_cannot_read_stops_it_saying_where_and_a_restart_resumes(
    tmp_path: Path, broker: TansuBroker
) -> None:
    """A worker without the snappy codec (its library hidden) meets a snappy batch: it logs the
    topic, partition, offset and cause, exits non-zero, and commits nothing of it; a worker that
    can read it resumes there and loses nothing."""
    stream = messy_stream(22, days=1, contacts=600)
    settings = new_settings(tmp_path, broker.bootstrap, None)
    ensure_topics(settings)
    half = len(stream.messages) // 2
    produce_librdkafka(broker.bootstrap, settings.topic, stream.messages[:half], "gzip")
    produce_librdkafka(broker.bootstrap, settings.topic, stream.messages[half:], "snappy")
    hidden = tmp_path / "hidden" / "cramjam"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text('raise ImportError("hidden by the test")\n')
    path = os.pathsep.join(p for p in (str(hidden.parent), os.environ.get("PYTHONPATH", "")) if p)
    lacking = WorkerProcess(settings, settings.data_dir / "lacking.log", env={"PYTHONPATH": path})
    code = lacking.process.wait(timeout=120)
    lacking.stop()
    log = lacking.log_path.read_text()
    assert code != 0, log[-2000:]
    stopped = re.findall(rf"cannot read {re.escape(settings.topic)}/(\d+) at offset (\d+): (\w+)", log)
    assert stopped and all(cause == "UnsupportedCodecError" for *_, cause in stopped), log[-3000:]

    worker = WorkerProcess(settings, settings.data_dir / "worker.log")
    try:
        worker.wait_ready()
        wait_drained(settings, timeout_s=120)
    finally:
        assert worker.stop() == 0
    expected = compute_rows(read_events(stream.values(), LineTally()))
    rows = PipelineRun(settings, None).kpi_rows()
    assert [r.model_dump(include=set(OUTPUT_COLUMNS)) for r in rows] == [
        r.model_dump(include=set(OUTPUT_COLUMNS)) for r in expected
    ]


@pytest.mark.parametrize("codec", CODECS)
def test_the_simulator_produces_with_any_codec(broker: TansuBroker, codec: str) -> None:
    topic = f"simulated-{codec}-{os.getpid()}"
    done = cckpi("simulate", "--events", "300", "--speed", "max", "--output", "kafka", "--bootstrap",
                 broker.bootstrap, "--topic", topic, "--compression", codec, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    values = read_topic(broker.bootstrap, topic, 0)
    assert len(values) == 300 and all(v.startswith(b"{") for v in values)
