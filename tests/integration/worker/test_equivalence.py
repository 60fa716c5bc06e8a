"""The live pipeline on real parts gives exactly the rows of ``cckpi compute`` on the same events."""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
import pytest

from cckpi.stack.broker import TansuBroker
from schemas.kpi import OUTPUT_COLUMNS
from schemas.sla import SlaSettings
from streams.batch.compute import LineTally, compute_rows, read_events
from streams.batch.grain_rows import grain_rows
from tests.helpers.cli import cckpi
from tests.helpers.events import as_messages, hold_back_early, write_jsonl
from tests.helpers.faults import record_fault
from tests.helpers.harness import new_settings, run_pipeline

pytestmark = pytest.mark.integration


def cli_compute(events_file: Path) -> list[dict]:  # type: ignore[type-arg]
    """``cckpi compute --format jsonl`` exactly as a user runs it."""
    done = cckpi("compute", "--events", str(events_file), "--format", "jsonl", check=True, text=False)
    return [orjson.loads(line) for line in done.stdout.splitlines()]


def same_rows(live: list[dict], expected: list[dict]) -> None:  # type: ignore[type-arg]
    """Row by row, every column, floats to the microsecond (sums of durations are exact)."""
    assert len(live) == len(expected), (len(live), len(expected))
    for got, want in zip(live, expected, strict=True):
        diff = {k: (got[k], want[k]) for k in want if got[k] != want[k] and not (
            isinstance(want[k], float) and got[k] == pytest.approx(want[k], abs=1e-6))}  # fmt: skip
        assert not diff, (want, diff)


def offline(grain: str, lines: Iterable[bytes]) -> list[dict[str, Any]]:
    """Rows of a grain as ``cckpi compute --grain`` prints them (JSON has no tuples or floats
    that differ from these)."""
    return [r.model_dump() for r in grain_rows(read_events(lines, LineTally()), SlaSettings(), grain)]


def as_dicts(rows: list) -> list[dict]:  # type: ignore[type-arg]
    return [row.model_dump(include=set(OUTPUT_COLUMNS)) for row in rows]


def test_stream_rows_equal_cckpi_compute(
    tmp_path: Path,
    broker: TansuBroker,
    store_url: str | None,
    simulated_events: list[dict],  # type: ignore[type-arg]
) -> None:
    expected = cli_compute(write_jsonl(tmp_path / "events.jsonl", simulated_events))
    assert len(expected) > 100 and sum(r["fcr_success"] for r in expected) > 0

    settings = new_settings(tmp_path, broker.bootstrap, store_url)
    run = run_pipeline(settings, as_messages(simulated_events), store_url)

    live = as_dicts(run.kpi_rows())
    assert len(live) == len(expected)
    for got, want in zip(live, expected, strict=True):
        assert got == want, {k: (got[k], want[k]) for k in want if got[k] != want[k]}
    # The 1-minute buckets add up to the same totals as the 15-minute rows.
    minute_offered = sum(r.offered for r in run.kpi_rows(60))
    assert minute_offered == sum(r["offered"] for r in expected)
    # Rows by reason, per agent and for staffing too (the command line prints these in
    # tests/unit/cckpi/test_grains.py).
    for grain in ("reasons", "agents", "staffing"):
        wanted = offline(grain, (orjson.dumps(e) for e in simulated_events))
        assert len(wanted) > 100 and any(r.get("fcr_success") for r in wanted) == (grain != "staffing")
        same_rows(run.grain_rows(grain), wanted)
    store = run.open_store()
    try:
        archived = store.query("SELECT count() FROM raw_events FINAL")[0][0]
        assert archived == len(simulated_events)
    finally:
        store.close()


def test_a_backlog_is_taken_in_full_batches(
    tmp_path: Path,
    broker: TansuBroker,
    simulated_events: list[dict],  # type: ignore[type-arg]
) -> None:
    """Behind by a quarter batch or more, the worker gathers Faust's takes (each cut by its
    wait) into batches of the configured size."""
    update = {"batch_size": 5000, "batch_within_s": 0.05}  # each of Faust's takes: a few hundred
    settings = new_settings(tmp_path, broker.bootstrap, None).model_copy(update=update)
    run = run_pipeline(settings, as_messages(simulated_events), None)
    # Full batches while a quarter batch or more waits; the tail (under a quarter) goes in the
    # takes it arrives in, two or three here while the last full batch is written (five in a
    # suite on two busy cores, where the broker hands it over more slowly). Without gathering,
    # each take of a few hundred would be a batch: thirty or more.
    assert run.status["batches"] <= len(simulated_events) // 5000 + 6, run.status
    expected = compute_rows(read_events((orjson.dumps(e) for e in simulated_events), LineTally()))
    assert as_dicts(run.kpi_rows()) == as_dicts(expected)


def test_duplicated_and_shuffled_delivery_changes_nothing(
    tmp_path: Path,
    broker: TansuBroker,
    store_url: str | None,
    simulated_events: list[dict],  # type: ignore[type-arg]
) -> None:
    messages = as_messages(simulated_events) * 2
    random.Random(5).shuffle(messages)
    report = LineTally()
    expected = as_dicts(compute_rows(read_events((m.value for m in messages), report)))

    settings = new_settings(tmp_path, broker.bootstrap, store_url)
    run = run_pipeline(settings, messages, store_url)
    rows = run.kpi_rows()
    recomputed = compute_rows(read_events((m.value for m in messages), LineTally()))
    record_fault(f"duplicates+shuffle [{'server' if store_url else 'chdb'}]", "every event twice, shuffled",
                 len(messages), recomputed, rows)  # fmt: skip
    assert as_dicts(rows) == expected
    for grain in ("reasons", "agents"):
        same_rows(run.grain_rows(grain), offline(grain, (m.value for m in messages)))
    # And the same as the events sent once, in order.
    once = as_dicts(compute_rows(read_events((orjson.dumps(e) for e in simulated_events), LineTally())))
    assert expected == once


def test_events_arriving_hours_late_count_in_their_own_interval(
    tmp_path: Path,
    broker: TansuBroker,
    simulated_events: list[dict],  # type: ignore[type-arg]
) -> None:
    # Every tenth contact event of the first two simulated hours is held back and delivered
    # after the whole day's stream, hours of event time behind what the worker has seen.
    on_time, late = hold_back_early(simulated_events)
    assert len(late) > 100
    expected = compute_rows(read_events((orjson.dumps(e) for e in simulated_events), LineTally()))
    without_late = compute_rows(read_events((orjson.dumps(e) for e in on_time), LineTally()))
    assert as_dicts(without_late) != as_dicts(expected)  # the late events matter

    run = run_pipeline(new_settings(tmp_path, broker.bootstrap, None), as_messages(on_time + late), None)
    rows = run.kpi_rows()
    record_fault("late events [chdb]", f"{len(late)} events delivered hours late", len(simulated_events),
                 expected, rows)  # fmt: skip
    assert as_dicts(rows) == as_dicts(expected)
    for grain in ("reasons", "agents"):
        same_rows(run.grain_rows(grain), offline(grain, (orjson.dumps(e) for e in simulated_events)))
