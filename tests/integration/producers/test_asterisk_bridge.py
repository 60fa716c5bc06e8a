"""A simulated day of calls as Asterisk logs them, through ``cckpi bridge asterisk``, the
broker and the worker: the stored rows are ``cckpi compute``'s of the bridge's own output, and
bridging the same log again changes nothing."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from cckpi.stack.broker import TansuBroker
from schemas.kpi import OUTPUT_COLUMNS
from streams.batch.compute import compute_file
from streams.kafka import ensure_topics
from tests.helpers.cli import cckpi
from tests.helpers.harness import drain, new_settings

pytestmark = pytest.mark.integration


def test_a_queue_log_through_the_bridge_and_the_worker(tmp_path: Path, broker: TansuBroker) -> None:
    seed = 3 + date.today().toordinal() % 50  # another day of calls every day; the failure names it
    log = tmp_path / "queue_log"
    made = cckpi("simulate", "--start", "2026-11-23T00:00:00Z", "--duration", "1d", "--seed", str(seed),
                 "--output", f"queue_log:{log}")  # fmt: skip
    assert made.returncode == 0, made.stderr
    queues = Path(f"{log}.queues.yaml")
    offline = cckpi("bridge", "asterisk", "--queue-log", str(log), "--map", str(queues),
                    "--output", str(tmp_path / "calls.jsonl"))  # fmt: skip
    assert offline.returncode == 0 and "unreadable: 0" in offline.stderr, offline.stderr
    expected, report = compute_file(tmp_path / "calls.jsonl")
    assert not report.rejected and sum(r.answered for r in expected) > 100

    settings = new_settings(tmp_path, broker.bootstrap, None)
    ensure_topics(settings)
    env = {"KAFKA_BOOTSTRAP": broker.bootstrap, "CCKPI_TOPIC": settings.topic}
    for _ in range(2):  # the same log twice: the same event ids, so it counts once
        sent = cckpi("bridge", "asterisk", "--queue-log", str(log), "--map", str(queues),
                     env={**os.environ, **env})  # fmt: skip
        assert sent.returncode == 0, sent.stderr
    run = drain(settings, None)
    columns = set(OUTPUT_COLUMNS)
    live = [r.model_dump(include=columns) for r in run.kpi_rows()]
    assert live == [r.model_dump(include=columns) for r in expected], f"seed {seed}"
