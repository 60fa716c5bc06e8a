"""The broker itself goes down mid-stream (stopped, or killed) and comes back while the worker and
a bridge following a growing queue_log keep going: the stored rows end as ``cckpi compute``'s of
the whole log, nothing lost and nothing doubled.

Tansu keeps its data on S3 here (an emulator: moto's server), so a broker started again on the
same storage still has every message and every committed offset (../shared/notes).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from cckpi.stack.broker import TansuBroker, free_port, wait_for_port
from cckpi.stack.chserver import ClickHouseServer
from cckpi.stack.launcher import WorkerProcess
from cckpi.stack.processes import stop_process, wait_until
from producers.outputs import KafkaOutput
from schemas.kpi import OUTPUT_COLUMNS
from streams.batch.compute import compute_file
from streams.kafka import ensure_topics
from streams.replay.kafka_source import read_topic
from tests.helpers.cli import cckpi, cckpi_command
from tests.helpers.harness import PipelineRun, new_settings

pytestmark = pytest.mark.integration
MOTO = "moto[server]==5.2.6"  # an S3 emulator, pinned
AWS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
       "AWS_ALLOW_HTTP": "true"}  # fmt: skip


@pytest.fixture
def s3(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An S3 emulator on loopback with a bucket ``tansu``: the environment that reaches it."""
    port = free_port()
    log = open(tmp_path / "moto.log", "ab")  # noqa: SIM115
    # In a tool environment of its own: moto's botocore pins python-dateutil below the project's.
    uv = Path(sys.executable).parent / "uv"
    command = [str(uv), "tool", "run", "--from", MOTO, "moto_server", "-H", "127.0.0.1", "-p", str(port)]
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, timeout_s=300)  # the first run on a machine installs it
        endpoint = f"http://127.0.0.1:{port}"
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/tansu", method="PUT"), timeout=10).close()
        yield {**AWS, "AWS_ENDPOINT": endpoint}
    finally:
        stop_process(server, 10)
        log.close()


def rows(settings_run: PipelineRun) -> list[dict[str, object]]:
    columns = set(OUTPUT_COLUMNS)
    return [r.model_dump(include=columns) for r in settings_run.kpi_rows()]


@pytest.mark.parametrize(("seed", "how"), [(4, "stop"), (11, "kill")])
def test_the_broker_restarts_mid_stream(
    tmp_path: Path, s3: dict[str, str], clickhouse_server: ClickHouseServer, seed: int, how: str
) -> None:
    rng = random.Random(seed)
    log = tmp_path / "made_queue_log"
    hours = rng.randint(2, 5)
    made = cckpi("simulate", "--start", "2026-11-23T07:00:00Z", "--duration", f"{hours}h",
                 "--seed", str(seed), "--output", f"queue_log:{log}", timeout=300)  # fmt: skip
    assert made.returncode == 0, made.stderr
    queues = f"{log}.queues.yaml"
    converted = tmp_path / "all.jsonl"
    offline = cckpi("bridge", "asterisk", "--queue-log", str(log), "--map", queues,
                    "--output", str(converted))  # fmt: skip
    assert offline.returncode == 0, offline.stderr
    expected = [r.model_dump(include=set(OUTPUT_COLUMNS)) for r in compute_file(converted)[0]]
    lines = log.read_text().splitlines(keepends=True)
    cuts = sorted(rng.sample(range(len(lines) // 5, len(lines) * 4 // 5), 2))

    broker = TansuBroker(tmp_path / "tansu.log", storage="s3://tansu/", env=s3)
    settings = new_settings(tmp_path, broker.bootstrap, clickhouse_server.url)  # read while it runs
    ensure_topics(settings)
    growing = tmp_path / "queue_log"
    growing.write_text("".join(lines[: cuts[0]]))
    env = {**os.environ, "KAFKA_BOOTSTRAP": broker.bootstrap, "CCKPI_TOPIC": settings.topic}
    bridge_log = open(tmp_path / "bridge.log", "ab")  # noqa: SIM115
    position = str(tmp_path / "position.json")
    following = ["--queue-log", str(growing), "--map", queues, "--follow", "--position", position]
    bridge = subprocess.Popen(cckpi_command("bridge", "asterisk", *following), env=env, stdout=bridge_log,
                              stderr=subprocess.STDOUT)  # fmt: skip
    worker = WorkerProcess(settings, settings.data_dir / "worker.log")
    run = PipelineRun(settings, clickhouse_server.url)
    try:
        worker.wait_ready()
        wait_until(lambda: len(rows(run)) > 0, worker.process, "first rows", 120)
        # Down: stopped cleanly, or killed; the log grows meanwhile.
        if how == "kill":
            os.killpg(broker.process.pid, signal.SIGKILL)
            broker.process.wait()
        else:
            broker.stop()
        with growing.open("a") as handle:
            handle.write("".join(lines[cuts[0] : cuts[1]]))
        time.sleep(rng.uniform(2, 8))
        broker = broker.again()
        with growing.open("a") as handle:
            handle.write("".join(lines[cuts[1] :]))
        try:
            wait_until(lambda: rows(run) == expected, worker.process, "compute's rows", 240)
        except TimeoutError:
            got = rows(run)
            differ = next(((a, b) for a, b in zip(got, expected, strict=False) if a != b), None)
            raise AssertionError(
                f"{len(got)} rows, {len(expected)} expected; first differing: {differ}"
            ) from None
        assert bridge.poll() is None, "the bridge gave up"
    finally:
        bridge.terminate()
        bridge.wait(30)
        bridge_log.close()
        assert worker.stop() == 0
        broker.stop()


def test_a_producer_loses_nothing_to_an_outage_longer_than_its_delivery_timeout(
    tmp_path: Path, s3: dict[str, str]
) -> None:
    """What the bridges and /ingest send while the broker is away longer than kafka-python
    keeps a message (its delivery timeout, shortened here) is sent again at the flush."""
    broker = TansuBroker(tmp_path / "tansu.log", storage="s3://tansu/", env=s3)
    try:
        settings = new_settings(tmp_path, broker.bootstrap, None)
        ensure_topics(settings)
        short = {"delivery_timeout_ms": 3000, "request_timeout_ms": 1000, "linger_ms": 0}
        output = KafkaOutput(broker.bootstrap, settings.topic, options=short)
        for n in range(50):
            output.send_raw(b"k", b"before %d" % n)
        output.flush()
        broker.stop()
        for n in range(50):
            output.send_raw(b"k", b"during %d" % n)
        flushed = threading.Thread(target=output.flush)
        flushed.start()
        # kafka-python gives up on them after its delivery timeout: flush sends them again.
        wait_until(lambda: output.resent > 0, None, "undelivered messages sent again", 60)
        assert flushed.is_alive(), "flush returned with messages undelivered"
        broker = broker.again()
        flushed.join(120)
        assert not flushed.is_alive()
        output.close()
        got = read_topic(broker.bootstrap, settings.topic, 0)
    finally:
        broker.stop()
    wanted = [b"before %d" % n for n in range(50)] + [b"during %d" % n for n in range(50)]
    # Nothing lost. A message sent again may also have been written the first time (its ack
    # timed out), so copies are allowed, of what was sent again only (a copy counts once
    # downstream: events keep their ids).
    assert set(got) == set(wanted)
    copies = Counter(got) - Counter(wanted)
    assert all(value.startswith(b"during") for value in copies)
    assert copies.total() <= output.resent
