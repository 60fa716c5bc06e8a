"""The bench's figures: samples of every run, their medians and paired ratios, and the table
and JSON that report them against their targets, with the conditions they were measured in."""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

SHAPES = ("day", "contacts", "days")  # cckpi.bench.workloads.shapes: the files the command is timed on


def machine() -> str:
    """The machine the figures were measured on: cores, CPU model and Python."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


@dataclass
class Figures:
    """Every run's samples by figure, the conditions they share, and single findings (extra)."""

    conditions: dict[str, Any]
    samples: dict[str, list[float]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, key: str, value: float | None) -> None:
        if value is not None:
            self.samples.setdefault(key, []).append(value)

    def median(self, key: str) -> float | None:
        values = self.samples.get(key)
        return statistics.median(values) if values else None

    def paired_ratio(self, key: str, base: str) -> float | None:
        """The median of each run's ratio: the two ran back to back, so a run's ratio shares
        its minutes' noise, which moves the bare agent's own rate from run to run."""
        pairs = list(zip(self.samples.get(key, []), self.samples.get(base, []), strict=False))
        return statistics.median(a / b for a, b in pairs) if pairs else None


def peer_ratio(figures: Figures) -> float | None:
    """The best engine against the DuckDB peer over the same file (None: no DuckDB, or its rows
    differ from ours, when the ratio would compare unequal work)."""
    m = figures.median
    peer = m("duckdb_peer_events_per_s")
    if not peer or figures.extra.get("duckdb_peer_differs"):
        return None
    return max(m("compute_events_per_s") or 0, m("compute_sql_events_per_s") or 0) / peer


def report(
    figures: Figures, rate: float, latency_seconds: float, json_path: Path | None, console: Console
) -> dict[str, Any]:
    m = figures.median
    live, bare = m("live_events_per_s"), m("bare_faust_events_per_s")
    one, two = m("live_server_1w_events_per_s"), m("live_server_2w_events_per_s")
    result: dict[str, Any] = {
        "live_events_per_s": live,
        "bare_faust_events_per_s": bare,
        "live_vs_bare": live / bare if live and bare else None,
        "live_vs_bare_paired": figures.paired_ratio("live_events_per_s", "bare_faust_events_per_s"),
        "live_server_1w_events_per_s": one,
        "live_server_2w_events_per_s": two,
        "two_workers_speedup": two / one if one and two else None,
        "latency_p50_s": figures.extra.get("latency_p50_s"),
        "latency_p95_s": figures.extra.get("latency_p95_s"),
        "latency_p99_s": figures.extra.get("latency_p99_s"),
        "wallboard_latency_p50_s": figures.extra.get("wallboard_latency_p50_s"),
        "wallboard_latency_p99_s": figures.extra.get("wallboard_latency_p99_s"),
        "wallboard_delivery_max_s": figures.extra.get("wallboard_delivery_max_s"),
        "wallboard_latency_p50_s_50_viewers": figures.extra.get("wallboard_latency_p50_s_50_viewers"),
        "wallboard_latency_p99_s_50_viewers": figures.extra.get("wallboard_latency_p99_s_50_viewers"),
        "wallboard_delivery_max_s_50_viewers": figures.extra.get("wallboard_delivery_max_s_50_viewers"),
        "compute_events_per_s": m("compute_events_per_s"),
        **{f"command_events_per_s_{shape}": m(f"command_events_per_s_{shape}") for shape in SHAPES},
        "compute_sql_events_per_s": m("compute_sql_events_per_s"),
        "duckdb_peer_events_per_s": m("duckdb_peer_events_per_s"),
        "compute_vs_duckdb": peer_ratio(figures),
        "replay_events_per_s": figures.extra.get("queries", {}).get("replay_events_per_s"),
        "replay_sql_events_per_s": figures.extra.get("queries", {}).get("replay_sql_events_per_s"),
        "query_p95_ms": figures.extra.get("queries", {}).get("query_p95_ms"),
        "queries": figures.extra.get("queries"),
        "worker_peak_rss_mb": m("worker_peak_rss_mb"),
        "worker_server_peak_rss_mb": m("worker_server_peak_rss_mb"),  # the same worker without chDB
        "chdb_process_peak_rss_mb": m("chdb_process_peak_rss_mb"),  # the live chDB run's store
        "conditions": {**figures.conditions, "latency_rate_per_s": rate, "latency_seconds": latency_seconds},
        "samples": figures.samples,
    }
    targets = {
        "live_vs_bare": ("≥ 0.80", lambda v: v >= 0.8),
        "live_vs_bare_paired": ("≥ 0.80", lambda v: v >= 0.8),
        "two_workers_speedup": ("≥ 1.6", lambda v: v >= 1.6),
        "latency_p99_s": ("≤ 1 s", lambda v: v <= 1.0),
        "wallboard_latency_p99_s": ("≤ 2 s", lambda v: v <= 2.0),
        "wallboard_latency_p99_s_50_viewers": ("≤ 0.5 s", lambda v: v <= 0.5),
        "compute_events_per_s": ("≥ 300,000", lambda v: v >= 300_000),
        **{f"command_events_per_s_{shape}": ("≥ 300,000", lambda v: v >= 300_000) for shape in SHAPES},
        "compute_vs_duckdb": ("≥ 1.0", lambda v: v >= 1.0),
        "replay_events_per_s": ("≥ 200,000", lambda v: v >= 200_000),
        "replay_sql_events_per_s": ("≥ 1,000,000", lambda v: v >= 1e6),
        "query_p95_ms": ("≤ 100 ms", lambda v: v <= 100),
        "worker_peak_rss_mb": ("≤ 500 MB", lambda v: v <= 500),
    }
    runs, events = figures.conditions["runs"], figures.conditions["events"]
    table = Table(title=f"cckpi bench — medians of {runs} run(s), {events:,} events")
    for name in ("figure", "value", "target", "met"):
        table.add_column(name, justify="left" if name == "figure" else "right")
    for key, value in result.items():
        if key in ("conditions", "samples", "queries"):
            continue
        target, check = targets.get(key, ("", None))
        shown = (
            "—"
            if value is None
            else (f"{value:,.3f}" if isinstance(value, float) and value < 10 else f"{value:,.0f}")
        )
        met = "" if value is None or check is None else ("yes" if check(value) else "NO")
        table.add_row(key, shown, target, met)
    console.print(table)
    console.print(f"conditions: {result['conditions']}")
    if json_path is not None:
        json_path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
        console.print(f"wrote {json_path}")
    return result
