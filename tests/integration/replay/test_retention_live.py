"""Events beyond the retention of live state: late, recorded, archived, and fixed by replay.

A worker with a two-hour retention takes a seven-hour stream, less every tenth contact
event of the first two hours; it stops, and a second worker (restoring only live state from
ClickHouse) takes the held-back events, five hours and more behind the watermark.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from cckpi.stack.broker import TansuBroker
from dashboards.panels import BEYOND_RETENTION, expand_macros
from schemas.kpi import KpiRow
from schemas.sla import SlaSettings
from streams.batch.compute import LineTally, compute_rows, read_events
from streams.replay.rederive import replay
from tests.helpers.events import SIM_END, SIM_START, as_messages, hold_back_early
from tests.helpers.faults import record_fault
from tests.helpers.harness import new_settings, run_pipeline

pytestmark = pytest.mark.integration


def compute(events: list[dict[str, Any]]) -> list[KpiRow]:
    return compute_rows(read_events((orjson.dumps(e) for e in events), LineTally()))


def row_keys(rows: list[KpiRow]) -> dict[str, KpiRow]:
    return {"/".join((r.client, r.queue, r.channel, r.interval_start)): r for r in rows}


def test_events_beyond_the_retention_are_late_recorded_and_replay_fixes_them(
    tmp_path: Path,
    broker: TansuBroker,
    store_url: str | None,
    simulated_events: list[dict],  # type: ignore[type-arg]
) -> None:
    on_time, held = hold_back_early(simulated_events)
    held_ids = {e["event_id"] for e in held}
    settings = new_settings(tmp_path, broker.bootstrap, store_url).model_copy(
        update={"retention_hours": 2.0, "open_retention_hours": 6.0}
    )
    run_pipeline(settings, as_messages(on_time), store_url)
    run = run_pipeline(settings, as_messages(held), store_url)  # a new worker, restored state
    store = run.open_store()
    try:
        late = store.query("SELECT stage, event_id, contact_id, reason FROM late_events FINAL")
        panel = store.query(expand_macros(BEYOND_RETENTION, 0, 2**31 - 1, {}))
        archived = store.query("SELECT count() FROM raw_events FINAL")[0][0]
        result = replay(store, SlaSettings(), int(SIM_START.timestamp()), int(SIM_END.timestamp()), None)
    finally:
        store.close()
    rows = run.kpi_rows()

    assert archived == len(simulated_events)  # late or not, every event is in the archive
    assert not [r for r in late if r[0] != "contacts"], late[:5]
    assert sum(r[-1] for r in panel) == len(late) > 0  # the operations dashboard shows them, per hour
    assert {str(r[1])[:13] for r in panel} <= {f"{SIM_START:%Y-%m-%d} {h:02d}" for h in range(6, 13)}
    late_ids = {r[1] for r in late}
    # Late: held-back events, and events of contacts whose arrival was held back (orphans).
    held_arrivals = {e["contact_id"] for e in held if e["type"] == "contact.arrived"}
    assert all(r[1] in held_ids or r[2] in held_arrivals for r in late)
    # Most held events are late; those of contacts still open 5 hours on (written work waiting
    # in a queue, within the open retention) are taken live, as they should be.
    assert len(late_ids & held_ids) > 0.6 * len(held_ids)
    everything = compute(simulated_events)
    not_late = compute([e for e in simulated_events if e["event_id"] not in late_ids])
    assert rows != everything  # the late events were not counted live...
    assert rows == not_late  # ...and nothing else was lost or double counted
    # Replay from the archive counts them, and differs from live exactly in their rows.
    assert result.report["totals"]["replay"] == {  # exact: summed in microseconds, then converted
        c: sum(round(getattr(r, c) * 1_000_000) for r in everything) / 1_000_000
        if c.endswith("_s_sum")
        else sum(getattr(r, c) for r in everything)
        for c in result.report["totals"]["replay"]
    }
    want, got = row_keys(everything), row_keys(not_late)
    assert {d["row"] for d in result.report["differences"]} == {k for k in want if want[k] != got.get(k)}
    backend = "server" if store_url else "chdb"
    injected = f"{len(held)} held 5+ h, {len(late_ids)} late; 2 h retention"
    record_fault(f"beyond retention [{backend}]", injected, len(simulated_events), not_late, rows)
