"""The dashboard-query part of ``cckpi bench``: every panel's own SQL over many raw events.

The data is loaded through the pipeline's own stages and writer (no broker: loading is not
what is measured), into embedded chDB; each panel then runs repeatedly over the last day,
and p50 / p95 latencies are reported per panel.
"""

from __future__ import annotations

import statistics
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from dashboards.panels import DASHBOARDS, expand_macros
from producers.outputs import message_key
from producers.scenario import DEFAULT_SCENARIO, scaled
from producers.simulator import Simulator
from schemas.sla import SlaSettings
from streams.stages.contact_stage import ContactStage
from streams.stages.direct import both_stages
from streams.stages.fcr_stage import FcrStage
from streams.storage.backends.connect import connect
from streams.storage.backends.protocol import ClickHouse
from streams.storage.schema.migrate import migrate
from streams.storage.writer import write_batch

LOAD_PARTITIONS = 4  # the live stages' partitions while loading the query data
BATCH = 50_000
QUERY_DAYS = 30
# Runs of each panel's SQL: the p95 of 100 runs is the sixth slowest, so one slow run on a
# noisy machine does not decide a panel's figure.
QUERY_REPEATS = 100
DEFAULT_EVENTS_PER_DAY = 45_000  # the default scenario's daily volume


def load(store: ClickHouse, events: int) -> tuple[int, int]:
    """Load the first ``events`` simulated events over about 30 days; return [start, end).

    The default centre makes ~45,000 events a day; a larger load runs a busier centre
    (``producers.scenario.scaled``), so any load spans a month, the range a client's monthly
    dashboards read, and each day's panels read a month's share of it.
    """
    factor = max(1.0, events / (QUERY_DAYS * DEFAULT_EVENTS_PER_DAY))
    start = datetime(2026, 9, 1, tzinfo=UTC)
    contacts, fcr = ContactStage(SlaSettings(), LOAD_PARTITIONS), FcrStage()
    for p in range(LOAD_PARTITIONS):
        contacts.restore(p, [])
        fcr.restore(p, [])
    batch: list[tuple[int, int, bytes]] = []
    offsets = [0] * LOAD_PARTITIONS
    last = start.timestamp()
    for sent, (t, event) in enumerate(
        Simulator(start, seed=21, scenario=scaled(DEFAULT_SCENARIO, factor)).events(), start=1
    ):
        partition = zlib.crc32(message_key(event)) % LOAD_PARTITIONS  # the same in every run (not hash())
        batch.append((partition, offsets[partition], orjson.dumps(event)))
        offsets[partition] += 1
        last = t
        if len(batch) >= BATCH or sent >= events:
            for out in both_stages(contacts, fcr, batch, version=time.time_ns(), now_s=int(time.time())):
                write_batch(store, out, "bench")
            batch = []
        if sent >= events:
            break
    return int(start.timestamp()), int(last)


def measure_replay(
    store: ClickHouse, start: int, end: int, replay_events: int, total: int, runs: int = 1
) -> dict[str, Any]:
    """Replay a range holding about ``replay_events`` events of the loaded ones with the Python
    engine, and the whole archive with the SQL engine, ``runs`` times each; the median events/s."""
    from streams.replay.rederive import replay

    span = max(86_400, int((end - start) * min(1.0, replay_events / total)))
    rates, sql_rates = [], []
    for _ in range(runs):
        began = time.perf_counter()
        result = replay(store, SlaSettings(), start, start + span, None)
        rates.append(result.events / (time.perf_counter() - began))
    for _ in range(runs):
        began = time.perf_counter()
        whole = replay(store, SlaSettings(), start, end + 1, None, engines=("sql",))
        sql_rates.append(whole.events / (time.perf_counter() - began))
    return {
        "replay_events": result.events, "replay_rows": result.rows, "replay_agrees": result.agrees,
        "replay_events_per_s": statistics.median(rates), "replay_samples": rates,
        "replay_sql_events": whole.events, "replay_sql_agrees": whole.agrees,
        "replay_sql_events_per_s": statistics.median(sql_rates), "replay_sql_samples": sql_rates,
    }  # fmt: skip


def measure(
    workdir: Path, events: int, repeats: int = QUERY_REPEATS, replay_events: int = 0, replay_runs: int = 1
) -> dict[str, Any]:
    store = connect(None, workdir / "queries", "bench_queries")
    try:
        migrate(store)
        began = time.perf_counter()
        start, end = load(store, events)
        loading_s = time.perf_counter() - began
        store.execute("OPTIMIZE TABLE kpi_interval FINAL")
        store.execute("OPTIMIZE TABLE kpi_minute FINAL")
        variables = {"client": "acme", "timezone": "Europe/Zurich"}
        panels: dict[str, dict[str, float]] = {}
        for uid, (_, panel_list) in DASHBOARDS.items():
            for panel in panel_list:
                day_from = end - (30 * 86_400 if uid == "cckpi-client-sla" else 6 * 3600)
                sql = expand_macros(panel.sql, day_from, end, variables)
                store.query(sql)  # warm
                times = []
                for _ in range(repeats):
                    t = time.perf_counter()
                    store.query(sql)
                    times.append((time.perf_counter() - t) * 1000)
                times.sort()
                panels[f"{uid}: {panel.title}"] = {
                    "p50_ms": statistics.median(times),
                    "p95_ms": times[min(len(times) - 1, round(0.95 * len(times)) - 1)],
                }
        replayed = (
            measure_replay(store, start, end, replay_events, events, replay_runs) if replay_events else {}
        )
        return {
            **replayed,
            "raw_events": events,
            "simulated_days": round((end - start) / 86_400, 1),
            "loading_s": round(loading_s, 1),
            "panels": panels,
            "query_repeats": repeats,
            "query_p95_ms": max(p["p95_ms"] for p in panels.values()),
        }
    finally:
        store.close()
