"""Offline recompute: the same engine as the live stream, over a file of events."""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterable
from pathlib import Path

from schemas.kpi import KpiRow
from schemas.sla import SlaSettings
from schemas.wire import AgentState, ContactEvent
from streams.batch.jsonl import LineTally, read_events
from streams.batch.packed import Packed
from streams.batch.parallel import batch_messages
from streams.batch.whole_set import Rows, gc_paused, run_engine
from streams.engine.contributions import has_figures
from streams.engine.intervals import INTERVAL_S
from streams.engine.rows import output_rows

__all__ = ["LineTally", "compute_bytes", "compute_file", "compute_rows", "read_events", "to_kpi_rows"]


def to_kpi_rows(rows: Rows, sla: SlaSettings) -> list[KpiRow]:
    """One KPI row per (client, queue, channel, interval) with an inbound arrival or outbound
    work, in key order."""
    shown = sorted((key, vector) for key, vector in rows.items() if has_figures(vector))
    return output_rows(shown, sla.formula, sla.hourly_cost)


def compute_rows(
    events: Iterable[ContactEvent | AgentState],
    sla: SlaSettings | None = None,
    interval_s: int = INTERVAL_S,
) -> list[KpiRow]:
    """Recompute KPI rows: one per (client, queue, channel, interval) with an arrival."""
    sla = sla or SlaSettings()
    with gc_paused():
        _, rows = run_engine(events, sla, interval_s)
        return to_kpi_rows(rows, sla)


def compute_bytes(
    data: bytes | mmap.mmap, sla: SlaSettings | None = None, workers: int | None = None
) -> tuple[list[KpiRow], LineTally]:
    """Recompute the KPI rows of JSON Lines, over ``workers`` processes (default: the cores)."""
    sla = sla or SlaSettings()
    result = batch_messages(Packed.lines(data), sla, workers)
    return to_kpi_rows(result.rows, sla), result.report


def compute_file(
    path: Path, sla: SlaSettings | None = None, workers: int | None = None
) -> tuple[list[KpiRow], LineTally]:
    """Recompute the KPI rows of a JSONL file."""
    with path.open("rb") as file:
        if os.fstat(file.fileno()).st_size == 0:  # mmap refuses an empty file
            return compute_bytes(b"", sla, workers)
        # Mapped, not read: no copy in the parent, and forked workers share the page cache.
        with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return compute_bytes(data, sla, workers)
