"""A restarted worker takes up every partition it is given, whatever is new on each (the SIGKILL
tests are in test_crash_recovery.py)."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from cckpi.stack.broker import TansuBroker
from cckpi.stack.launcher import WorkerProcess, wait_drained
from schemas.kpi import OUTPUT_COLUMNS
from streams.batch.compute import LineTally, compute_rows, read_events
from tests.helpers.harness import PipelineRun, new_settings, produce_librdkafka, run_pipeline
from tests.helpers.messy import Message, messy_stream

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("seed", [3])
def test_restart_with_nothing_new_on_some_partitions_drains_the_rest(
    tmp_path: Path, broker: TansuBroker, seed: int
) -> None:
    """A restarted worker whose partitions did not all get new messages still writes those that
    came, however few: a batch is never held back waiting for messages that are not there."""
    first, more = messy_stream(seed, days=2, contacts=1500), messy_stream(seed + 100, days=1, contacts=400)
    # Batches of 4,000: more than the new messages, and a quarter of it less than what the quiet
    # partition holds (an estimate that counted it as waiting held the batch back for ever).
    settings = new_settings(tmp_path, broker.bootstrap, None).model_copy(update={"batch_size": 4000})
    run_pipeline(settings, first.messages, None)
    quiet = 1 + seed % 2  # partitions other than this one get something new
    by_partition: dict[int, list[Message]] = {p: [] for p in range(settings.partitions)}
    for message in more.messages:  # all events of a contact on one partition, as keys place them
        by_partition[zlib.crc32(message.key or b"") % settings.partitions].append(message)
    for partition in (p for p in by_partition if p != quiet):
        produce_librdkafka(broker.bootstrap, settings.topic, by_partition[partition], partition=partition)
    worker = WorkerProcess(settings, settings.data_dir / "worker-2.log")
    try:
        worker.wait_ready()
        wait_drained(settings, timeout_s=60)
        assert worker.get("/api/status")["stalled_partitions"] == []
    finally:
        assert worker.stop() == 0
    rows = PipelineRun(settings, None).kpi_rows()
    sent = [m.value for m in first.messages]
    sent += [m.value for p, messages in by_partition.items() if p != quiet for m in messages]
    expected = compute_rows(read_events(sent, LineTally()))
    assert [r.model_dump(include=set(OUTPUT_COLUMNS)) for r in rows] == [
        r.model_dump(include=set(OUTPUT_COLUMNS)) for r in expected
    ]
