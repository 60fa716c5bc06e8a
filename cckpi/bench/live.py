"""The live runs of ``cckpi bench``: workers on a produced topic, timed until every event is
written."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cckpi.bench.workloads import Message, produce
from cckpi.progress_bar import shown
from cckpi.stack.broker import TansuBroker, free_port
from cckpi.stack.launcher import WorkerProcess
from streams.kafka import ensure_topics
from streams.settings import Settings

PARTITIONS = 4  # divides evenly between one and two workers


@dataclass
class Stack:
    """The broker (and server) every run of one bench shares; each run gets settings of its own."""

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
