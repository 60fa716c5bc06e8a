"""Both ways of starting the worker do the same start-up: the configuration checked first, then
the topics and the migrations, then the pipeline (``python -m streams worker`` once skipped the
topics and the migrations)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cckpi.stack.broker import TansuBroker
from cckpi.stack.launcher import WORKER_COMMAND, WorkerProcess, wait_drained
from schemas.kpi import OUTPUT_COLUMNS
from streams.batch.compute import LineTally, compute_rows, read_events
from streams.storage.schema.migrate import load_migrations
from tests.helpers.events import as_messages
from tests.helpers.harness import PipelineRun, new_settings, produce

pytestmark = pytest.mark.integration
STARTS = {"cckpi worker": WORKER_COMMAND, "python -m streams worker": ("-m", "streams", "worker")}


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize(
    ("variables", "said"),
    [
        ({"CCKPI_PARTITIONS": "0"}, "CCKPI_PARTITIONS"),
        ({"CCKPI_WEB_HOST": "0.0.0.0"}, "CCKPI_WEB_TOKEN"),
        ({"CCKPI_SLA_FILE": "no-such-sla.yaml"}, "bad SLA file"),
    ],
)
def test_a_bad_configuration_stops_either_start_in_one_line(
    tmp_path: Path, start: str, variables: dict[str, str], said: str
) -> None:
    done = subprocess.run(
        [sys.executable, *STARTS[start]], env={"PATH": "/usr/bin:/bin", **variables}, cwd=tmp_path,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert said in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.startswith("cckpi worker: ")


def test_python_m_streams_worker_makes_topics_and_tables_then_counts(
    tmp_path: Path,
    broker: TansuBroker,
    simulated_events: list[dict],  # type: ignore[type-arg]
) -> None:
    """On a fresh broker topic and an empty chDB folder, nothing made beforehand."""
    events = simulated_events[:4000]
    messages = as_messages(events)
    settings = new_settings(tmp_path, broker.bootstrap, None)
    worker = WorkerProcess(
        settings, settings.data_dir / "worker.log", command=STARTS["python -m streams worker"]
    )
    try:
        worker.wait_ready()
        produce(settings, messages)
        wait_drained(settings, timeout_s=120)
    finally:
        code = worker.stop()
    assert code == 0, f"worker exited with {code}; see {worker.log_path}"
    run = PipelineRun(settings, None)
    expected = compute_rows(read_events([m.value for m in messages], LineTally()))
    assert len(expected) > 20
    columns = set(OUTPUT_COLUMNS)
    assert [r.model_dump(include=columns) for r in run.kpi_rows()] == [
        r.model_dump(include=columns) for r in expected
    ]
    store = run.open_store()
    try:
        applied = {row[0] for row in store.query("SELECT version FROM schema_migrations")}
    finally:
        store.close()
    assert applied == {m.version for m in load_migrations()}
