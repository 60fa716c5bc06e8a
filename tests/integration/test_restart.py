"""A worker killed with SIGKILL mid-stream and restarted loses nothing and counts nothing twice."""

from __future__ import annotations

import time
import zlib
from pathlib import Path

import pytest

from cckpi.broker import TansuBroker
from cckpi.launcher import WorkerProcess, wait_drained
from cckpi.topics import committed_offsets, ensure_topics
from schemas.kpi import OUTPUT_COLUMNS
from streams.compute import ReadReport, compute_rows, read_events
from tests.integration.conftest import as_messages, record_fault
from tests.integration.harness import PipelineRun, new_settings, produce, produce_librdkafka, run_pipeline
from tests.messy import Message, messy_stream

pytestmark = pytest.mark.integration


def test_sigkill_mid_stream_then_restart_gives_identical_rows(
    tmp_path: Path,
    broker: TansuBroker,
    store_url: str | None,
    simulated_events: list[dict],  # type: ignore[type-arg]
) -> None:
    messages = as_messages(simulated_events)
    expected = compute_rows(read_events((m.value for m in messages), ReadReport()))
    settings = new_settings(tmp_path, broker.bootstrap, store_url).model_copy(update={"batch_size": 400})
    ensure_topics(settings)
    produce(settings, messages)

    first = WorkerProcess(settings, settings.data_dir / "worker-1.log")
    first.wait_ready()
    deadline = time.monotonic() + 120
    # Kill once a third is processed and some offsets are committed: mid-stream, for real.
    while first.get("/api/status")["valid_events"] < len(messages) // 3 or not any(
        committed_offsets(broker.bootstrap, settings.group, settings.topic).values()
    ):
        assert time.monotonic() < deadline, "the first worker made no progress"
        time.sleep(0.05)
    first.kill()  # SIGKILL: no flush, no commit, no goodbye to the group

    second = WorkerProcess(settings, settings.data_dir / "worker-2.log")
    try:
        second.wait_ready()
        wait_drained(settings, timeout_s=240)
        restarted_status = second.get("/api/status")
    finally:
        assert second.stop() == 0
    # The second worker resumed from the committed offsets, not from the beginning.
    assert 0 < restarted_status["valid_events"] < len(messages)

    rows = PipelineRun(settings, store_url).kpi_rows()
    record_fault(f"SIGKILL+restart [{'server' if store_url else 'chdb'}]", "worker SIGKILLed after 1/3",
                 len(messages), expected, rows)  # fmt: skip
    assert [r.model_dump(include=set(OUTPUT_COLUMNS)) for r in rows] == [
        r.model_dump(include=set(OUTPUT_COLUMNS)) for r in expected
    ]


@pytest.mark.parametrize("seed", [3, 4])
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
    expected = compute_rows(read_events(sent, ReadReport()))
    assert [r.model_dump(include=set(OUTPUT_COLUMNS)) for r in rows] == [
        r.model_dump(include=set(OUTPUT_COLUMNS)) for r in expected
    ]
