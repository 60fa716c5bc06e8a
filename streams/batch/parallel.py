"""The batch engine over every core: a large set of events split by customer, rows summed.

Each worker is a forked process that reads the shared messages it inherits (nothing is
pickled on the way in; see :mod:`streams.batch.packed`) and returns only row vectors and, for an
audit, which messages fed each row; the rows' input digests are then split over the
workers too. See :mod:`streams.batch.routing` for why the split keeps results exact.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import numpy.typing as npt

from schemas.sla import SlaSettings
from schemas.wire import ContactEvent
from streams.batch.conflicts import event_keys, settle_messages
from streams.batch.digests import inputs_digest, messages_by_row
from streams.batch.jsonl import LineTally, read_contact_events
from streams.batch.packed import Packed
from streams.batch.routing import Routes, owners, route_keys
from streams.batch.whole_set import Rows, arrival_rows, gc_paused, run_engine
from streams.engine.copies import CONFLICT_REASON, Settled
from streams.engine.totals import RowKey, add_into

RowInputs = tuple[str, int]  # SHA-256 of a row's input events, and how many distinct ones
LINES_PER_WORKER = 100_000  # below this, starting a process costs more than it saves
MAX_WORKERS = 64  # owners are bytes
DROPPED = 255  # the owner of a copy that does not count (streams.batch.conflicts): no worker


@dataclass
class BatchResult:
    rows: Rows
    report: LineTally
    inputs: dict[RowKey, RowInputs] = field(default_factory=dict)  # filled when ids are given


@dataclass(frozen=True)
class _Job:
    messages: Packed
    workers: int
    sla: SlaSettings
    event_ids: Packed | None  # the messages' event ids, to digest each row's inputs
    routes: Routes | None  # the messages' routing keys, where they are known already
    keys: bytes | None  # the messages' event-id keys, where they are known already


# What forked workers read: set before the pool starts, inherited, never pickled.
_JOB: _Job | None = None
# What a worker built, left to the process's exit: freeing it object by object would sit on
# the job's critical path.
_KEPT: list[object] = []
# How far a job is, for a progress display: messages each worker has been through in each pass
# (routing, counting, digesting; each worker writes its own slot, so no lock), the passes, and
# the messages. Shared memory made at import, before any fork, so forked workers write to it.
_DONE = multiprocessing.RawArray("q", MAX_WORKERS)
_PASSES = multiprocessing.RawValue("q", 1)
_TOTAL = multiprocessing.RawValue("q", 0)
_CHUNK = 65_536  # messages counted between two progress reports


def messages_done() -> tuple[int, int]:
    """(messages done, messages) of the job under way, its passes averaged; (0, 0) before one."""
    return sum(_DONE) // _PASSES.value, _TOTAL.value


def _start_count(job: _Job) -> None:
    _DONE[:] = [0] * MAX_WORKERS
    _PASSES.value = (
        ((job.routes is None or job.keys is None) and job.workers > 1) + 1 + (job.event_ids is not None)
    )
    _TOTAL.value = len(job.messages)


def _route_part(part: int) -> tuple[bytes, bytes, bytes]:
    """Phase one: the routing keys of one slice of the messages (none when they are known),
    and their event-id keys (none when they are known)."""
    job = _JOB
    assert job is not None
    count = len(job.messages)
    start, end = count * part // job.workers, count * (part + 1) // job.workers
    if job.routes is None:
        keys, pairs, ids = route_keys(job.messages, start, end)
    else:
        keys, pairs = b"", b""
        ids = event_keys(job.messages, start, end) if job.keys is None else b""
    _DONE[part] += end - start
    return keys, pairs, ids


def _work(task: tuple[int, bytes]) -> tuple[BatchResult, dict[RowKey, list[int]]]:
    """Phase two: parse and count the messages one worker owns; which fed each row."""
    worker, owner = task
    job = _JOB
    assert job is not None
    mine = np.flatnonzero(np.frombuffer(owner, np.uint8) == worker).tolist()
    return _count(job.messages, mine, job.sla, job.event_ids is not None, worker)


def _count(
    messages: Packed, numbers: list[int], sla: SlaSettings, audit: bool, slot: int = 0
) -> tuple[BatchResult, dict[RowKey, list[int]]]:
    """Parse and count ``numbers``; for an audit, also the numbers of the messages behind each row."""
    report, kept = LineTally(), (list[int]() if audit else None)
    events: list[ContactEvent] = []
    for start in range(0, len(numbers), _CHUNK):
        chunk = numbers[start : start + _CHUNK]
        events += read_contact_events(messages, chunk, report, kept)
        _DONE[slot] += len(chunk)
    contacts, rows = run_engine(events, sla)
    _KEPT.append((events, contacts))
    fed = messages_by_row(kept, events, arrival_rows(contacts)) if kept is not None else {}
    return BatchResult(rows, report), fed


def _digest(task: tuple[int, list[tuple[RowKey, list[int]]]]) -> list[tuple[RowKey, RowInputs]]:
    """Phase three: the input digests of a share of the rows."""
    worker, share = task
    job = _JOB
    assert job is not None and job.event_ids is not None
    digests = _digests(job.messages, job.event_ids, share)
    _DONE[worker] += sum(len(numbers) for _, numbers in share)
    return digests


def _digests(
    messages: Packed, event_ids: Packed, share: list[tuple[RowKey, list[int]]]
) -> list[tuple[RowKey, RowInputs]]:
    """The digest of each row's messages (run where the messages are: the bytes are not pickled)."""
    return [
        (row, inputs_digest(zip(event_ids.copies(numbers), messages.copies(numbers), strict=True)))
        for row, numbers in share
    ]


def _shares(fed: dict[RowKey, list[int]], workers: int) -> list[list[tuple[RowKey, list[int]]]]:
    """Rows dealt largest first, round the workers: about even numbers of messages each."""
    ordered = sorted(fed.items(), key=lambda item: len(item[1]), reverse=True)
    return [ordered[worker::workers] for worker in range(workers)]


def _int64(parts: Sequence[bytes]) -> npt.NDArray[np.int64]:
    return np.frombuffer(b"".join(parts), np.int64)


def default_workers(messages: int) -> int:
    return min(len(os.sched_getaffinity(0)), max(1, messages // LINES_PER_WORKER), MAX_WORKERS)


def batch_messages(
    messages: Packed,
    sla: SlaSettings,
    workers: int | None = None,
    event_ids: Packed | None = None,
    routes: Routes | None = None,
    keys: bytes | None = None,
) -> BatchResult:
    """Recompute the row vectors of JSON messages over ``workers`` processes (default: the cores).

    Given the messages' ``event_ids``, also digest the events behind every row (an audit);
    given their ``routes`` and event-id ``keys``, skip reading them for routing (one worker
    routes nothing). Copies of one event id with different content are settled first, over
    every message (``streams.batch.conflicts``)."""
    workers = default_workers(len(messages)) if workers is None else workers
    job = _Job(messages, workers, sla, event_ids, routes, keys)
    _start_count(job)
    with gc_paused():
        if workers > 1:
            return _in_workers(job)
        settled = settle_messages(messages, _int64([keys if keys is not None else event_keys(messages)]))
        numbers = [n for n in range(len(messages)) if n not in settled.dropped]
        _DONE[0] += len(settled.dropped)  # through: they count for nothing
        result, fed = _count(messages, numbers, sla, event_ids is not None)
        _KEPT.clear()  # in this process, not a worker's: free it now
        report_dead(result.report, settled)
        if event_ids is not None:
            result.inputs = dict(_digests(messages, event_ids, list(fed.items())))
            _DONE[0] += len(messages)
        return result


def report_dead(report: LineTally, settled: Settled) -> None:
    """Each losing content of a conflicting duplicate, as a skipped line with its reason."""
    report.rejected.extend((copy.number + 1, CONFLICT_REASON) for copy in settled.dead)
    report.rejected.sort()


def _in_workers(job: _Job) -> BatchResult:
    global _JOB
    _JOB = job
    try:
        with ProcessPoolExecutor(job.workers, mp_context=multiprocessing.get_context("fork")) as pool:
            if job.routes is None or job.keys is None:
                keys, pairs, ids = zip(*pool.map(_route_part, range(job.workers)), strict=True)
            routes = job.routes or (_int64(keys), _int64(pairs))
            settled = settle_messages(job.messages, _int64([job.keys] if job.keys is not None else ids))
            owner = _without(owners(*routes, job.workers), settled.dropped)
            _DONE[0] += len(settled.dropped) * (1 + (job.event_ids is not None))  # no pass reads them
            counted = list(pool.map(_work, [(worker, owner) for worker in range(job.workers)]))
            fed: dict[RowKey, list[int]] = {}
            for _, part_fed in counted:
                for row, numbers in part_fed.items():
                    fed.setdefault(row, []).extend(numbers)
            shares = _shares(fed, job.workers) if job.event_ids is not None else []
            inputs = dict(chain.from_iterable(pool.map(_digest, enumerate(shares))))
            if shares:  # the messages no row holds (agent states, orphans) are through this pass too
                _DONE[0] += len(job.messages) - sum(len(numbers) for numbers in fed.values())
    finally:
        _JOB = None
    parts = [part for part, _ in counted]
    total = BatchResult(parts[0].rows, LineTally(), inputs)
    for part in parts:
        if part is not parts[0]:
            for key, vector in part.rows.items():
                add_into(total.rows, key, vector)
        total.report.valid += part.report.valid
        total.report.rejected.extend(part.report.rejected)
    report_dead(total.report, settled)
    return total


def _without(owner: bytes, dropped: set[int]) -> bytes:
    """The owners, with the copies that do not count given to no worker."""
    if not dropped:
        return owner
    marked = bytearray(owner)
    for number in dropped:
        marked[number] = DROPPED
    return bytes(marked)
