"""The batch engine over every core: a large set of events split by customer, rows summed.

Each worker is a forked process that reads the shared messages it inherits (nothing is
pickled on the way in; see :mod:`streams.packed`) and returns only row vectors and, when
asked, the row each of its contacts arrived in. See :mod:`streams.routing` for why the
split keeps results exact.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from operator import add

import numpy as np
import numpy.typing as npt

from schemas.sla import SlaSettings
from streams.batch import ContactKey, Rows, arrival_rows, gc_paused, run_engine
from streams.packed import Packed
from streams.reading import ReadReport, read_contact_events
from streams.routing import owners, route_keys
from streams.totals import RowKey

LINES_PER_WORKER = 100_000  # below this, starting a process costs more than it saves
MAX_WORKERS = 64  # owners are bytes


@dataclass
class BatchResult:
    rows: Rows
    report: ReadReport
    arrivals: dict[ContactKey, RowKey] = field(default_factory=dict)  # filled when asked for


@dataclass(frozen=True)
class _Job:
    messages: Packed
    workers: int
    sla: SlaSettings
    with_arrivals: bool


# What forked workers read: set before the pool starts, inherited, never pickled.
_JOB: _Job | None = None
# What a worker built, left to the process's exit: freeing it object by object took 0.15 s
# of a 1M-event job, on its critical path.
_KEPT: list[object] = []


def _route_part(part: int) -> tuple[bytes, bytes]:
    """Phase one: the routing keys of one slice of the messages."""
    job = _JOB
    assert job is not None
    count = len(job.messages)
    return route_keys(job.messages, count * part // job.workers, count * (part + 1) // job.workers)


def _work(task: tuple[int, bytes]) -> BatchResult:
    """Phase two: parse and count the messages one worker owns."""
    worker, owner = task
    job = _JOB
    assert job is not None
    report = ReadReport()
    mine = np.flatnonzero(np.frombuffer(owner, np.uint8) == worker).tolist()
    events = read_contact_events(job.messages, mine, report)
    contacts, rows = run_engine(events, job.sla)
    _KEPT.append((events, contacts))
    return BatchResult(rows, report, arrival_rows(contacts) if job.with_arrivals else {})


def _int64(parts: Sequence[bytes]) -> npt.NDArray[np.int64]:
    return np.frombuffer(b"".join(parts), np.int64)


def default_workers(messages: int) -> int:
    return min(len(os.sched_getaffinity(0)), max(1, messages // LINES_PER_WORKER), MAX_WORKERS)


def batch_messages(
    messages: Packed, sla: SlaSettings, workers: int | None = None, with_arrivals: bool = False
) -> BatchResult:
    """Recompute the row vectors of JSON messages over ``workers`` processes (default: the cores)."""
    global _JOB
    workers = default_workers(len(messages)) if workers is None else workers
    if workers <= 1:
        report = ReadReport()
        with gc_paused():
            contacts, rows = run_engine(read_contact_events(messages, range(len(messages)), report), sla)
            return BatchResult(rows, report, arrival_rows(contacts) if with_arrivals else {})
    with gc_paused():
        _JOB = _Job(messages, workers, sla, with_arrivals)
        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                keys, pairs = zip(*pool.map(_route_part, range(workers)), strict=True)
                owner = owners(_int64(keys), _int64(pairs), workers)
                parts = list(pool.map(_work, [(worker, owner) for worker in range(workers)]))
        finally:
            _JOB = None
    total = BatchResult(parts[0].rows, ReadReport())
    for part in parts:
        if part is not parts[0]:
            for key, vector in part.rows.items():
                row = total.rows.get(key)
                total.rows[key] = vector if row is None else list(map(add, row, vector))
        total.report.valid += part.report.valid
        total.report.rejected.extend(part.report.rejected)
        total.arrivals.update(part.arrivals)
    total.report.rejected.sort()
    return total
