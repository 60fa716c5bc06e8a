"""Offline recompute: the same engine as the live stream, over a file of events.

A file is a batch, so it is split over the machine's cores (each worker gets whole
customers, see :mod:`streams.routing`) and the row vectors the workers return are summed.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import add
from pathlib import Path

from schemas.events import Rejection
from schemas.kpi import KpiRow
from schemas.sla import SlaSettings
from schemas.wire import AgentState, ContactEvent, parse_event
from streams.batch import ContactKey, Rows, batch_rows
from streams.contacts import ContactState
from streams.intervals import INTERVAL_S
from streams.routing import customer_groups, owners
from streams.rows import kpi_row

LINES_PER_WORKER = 100_000  # below this, starting a process costs more than it saves
MAX_WORKERS = 64  # owners are bytes


@dataclass
class ReadReport:
    """What reading the input found: valid events and the lines that were skipped."""

    valid: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def _parsed(number: int, line: bytes, report: ReadReport) -> ContactEvent | AgentState | None:
    """One line: the event, or None for a blank line or a bad one (recorded in ``report``)."""
    if not line.strip():
        return None
    parsed = parse_event(line)
    if isinstance(parsed, Rejection):
        report.rejected.append((number, parsed.reason))
        return None
    report.valid += 1
    return parsed


def read_events(lines: Iterable[bytes], report: ReadReport) -> Iterator[ContactEvent | AgentState]:
    """Parse JSONL lines, skipping blank ones and recording bad ones in ``report``."""
    for number, line in enumerate(lines, start=1):
        event = _parsed(number, line, report)
        if event is not None:
            yield event


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic GC: a batch builds millions of objects and no cycles, and the
    collector's passes over them took more time than the KPI work."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run_engine(
    events: Iterable[ContactEvent | AgentState], sla: SlaSettings, interval_s: int = INTERVAL_S
) -> tuple[dict[ContactKey, ContactState], Rows]:
    """Both engine stages over a whole set of events: the contacts, and the row vectors."""
    with gc_paused():
        return batch_rows(events, sla.thresholds, interval_s)


def to_kpi_rows(rows: Rows, sla: SlaSettings) -> list[KpiRow]:
    """One KPI row per (client, queue, channel, interval) with an arrival, in key order."""
    return [
        kpi_row(key, vector, sla.formula(key[0])) for key, vector in sorted(rows.items()) if vector[0] > 0
    ]


def compute_rows(
    events: Iterable[ContactEvent | AgentState],
    sla: SlaSettings | None = None,
    interval_s: int = INTERVAL_S,
) -> list[KpiRow]:
    """Recompute KPI rows: one per (client, queue, channel, interval) with an arrival."""
    sla = sla or SlaSettings()
    _, rows = run_engine(events, sla, interval_s)
    return to_kpi_rows(rows, sla)


@dataclass(frozen=True)
class _Job:
    lines: Sequence[bytes]
    groups: dict[tuple[str, str], int]  # see streams.routing
    workers: int
    sla: SlaSettings


# What forked workers read: set before the pool starts, inherited, never pickled.
_JOB: _Job | None = None


def _route_part(part: int) -> bytes:
    """Phase one: the owners of one slice of the lines."""
    job = _JOB
    assert job is not None
    lo, hi = len(job.lines) * part // job.workers, len(job.lines) * (part + 1) // job.workers
    return owners(job.lines[lo:hi], lo, job.groups, job.workers)


def _work(task: tuple[int, bytes]) -> tuple[Rows, ReadReport]:
    """Phase two: parse and count the lines one worker owns."""
    worker, owner = task
    job = _JOB
    assert job is not None
    lines, report = job.lines, ReadReport()
    numbers = [n for n, o in enumerate(owner) if o == worker]
    parsed = [parse_event(lines[n]) for n in numbers]  # the hot loop: no call per line but this
    events = []
    for n, event in zip(numbers, parsed, strict=True):
        if isinstance(event, Rejection):
            if lines[n].strip():  # blank lines are skipped, not bad
                report.rejected.append((n + 1, event.reason))
        else:
            report.valid += 1
            if not isinstance(event, AgentState):
                events.append(event)
    _, rows = run_engine(events, job.sla)
    return rows, report


def compute_bytes(
    data: bytes, sla: SlaSettings | None = None, workers: int | None = None
) -> tuple[list[KpiRow], ReadReport]:
    """Recompute the KPI rows of JSON Lines, over ``workers`` processes (default: the cores)."""
    global _JOB
    sla = sla or SlaSettings()
    lines = data.split(b"\n")
    if workers is None:
        workers = min(len(os.sched_getaffinity(0)), max(1, len(lines) // LINES_PER_WORKER), MAX_WORKERS)
    if workers <= 1:
        report = ReadReport()
        _, rows = run_engine(read_events(lines, report), sla)
        return to_kpi_rows(rows, sla), report
    with gc_paused():
        _JOB = _Job(lines, customer_groups(data, workers), workers, sla)
        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                owner = b"".join(pool.map(_route_part, range(workers)))
                parts = list(pool.map(_work, [(worker, owner) for worker in range(workers)]))
        finally:
            _JOB = None
    total: Rows = {}
    report = ReadReport()
    for rows, part in parts:
        for key, vector in rows.items():
            row = total.get(key)
            total[key] = list(vector) if row is None else list(map(add, row, vector))
        report.valid += part.valid
        report.rejected.extend(part.rejected)
    report.rejected.sort()
    return to_kpi_rows(total, sla), report


def compute_file(
    path: Path, sla: SlaSettings | None = None, workers: int | None = None
) -> tuple[list[KpiRow], ReadReport]:
    """Recompute the KPI rows of a JSONL file."""
    return compute_bytes(path.read_bytes(), sla, workers)
