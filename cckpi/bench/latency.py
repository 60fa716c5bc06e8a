"""The latency run of ``cckpi bench``: one worker fed at a steady rate, watched by wallboards (one,
and a whole floor of them: every screen connected to the same worker)."""

from __future__ import annotations

import threading
import time
import urllib.request
from typing import Any

import orjson

from cckpi.bench.live import Stack, run_workers
from cckpi.bench.workloads import Message, produce
from cckpi.stack.launcher import WorkerProcess
from streams.kafka import ensure_topics


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


def latency(stack: Stack, messages: list[Message], rate: float, viewers: int = 1) -> dict[str, Any]:
    """One worker (chDB) fed at a steady rate, watched by ``viewers`` wallboard connections.

    Its latency page gives production-to-written and production-to-pushed quantiles (the pushes
    of every viewer counted)."""
    settings = stack.settings("latency", None)
    ensure_topics(settings)
    found: dict[str, Any] = {}
    watchers: list[WallboardWatcher] = []

    def feed(workers: list[WorkerProcess]) -> None:
        watchers.extend(WallboardWatcher(workers[0]) for _ in range(viewers))
        produce(stack.broker.bootstrap, settings.topic, messages, rate)

    def read(workers: list[WorkerProcess]) -> None:
        found.update(workers[0].get("/api/latency"))
        found["wallboard_pushes"] = sum(w.pushes for w in watchers)
        found["wallboard_delivery_max_s"] = max((d for w in watchers for d in w.delivery_s), default=None)

    try:
        run_workers(settings, len(messages), 1, False, feed, read)
    finally:
        for watcher in watchers:
            watcher.close()
    return found
