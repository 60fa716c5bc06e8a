"""Offline recompute: the same engine as the live stream, over a file of events."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from schemas.events import Rejection
from schemas.kpi import KpiRow
from schemas.sla import SlaSettings
from schemas.wire import AgentState, ContactEvent, parse_event
from streams.book import ContactBook
from streams.fcr import FcrBook
from streams.intervals import INTERVAL_S
from streams.rows import kpi_row
from streams.totals import RowKey


@dataclass
class ReadReport:
    """What reading the input found: valid events and the lines that were skipped."""

    valid: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def read_events(lines: Iterable[bytes], report: ReadReport) -> Iterator[ContactEvent | AgentState]:
    """Parse JSONL lines, skipping blank ones and recording bad ones in ``report``."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parsed = parse_event(line)
        if isinstance(parsed, Rejection):
            report.rejected.append((number, parsed.reason))
            continue
        report.valid += 1
        yield parsed


def run_engine(
    events: Iterable[ContactEvent | AgentState], sla: SlaSettings, interval_s: int = INTERVAL_S
) -> tuple[ContactBook, dict[RowKey, list[int]]]:
    """Both engine stages over a whole set of events: the contacts, and the row vectors."""
    contacts = ContactBook(sla.thresholds, grains=(interval_s,))
    for event in events:
        if not isinstance(event, AgentState):
            contacts.apply(event)
    contacts.settle()
    fcr = FcrBook(grains=(interval_s,))
    for contact in contacts.contacts.values():
        fcr.apply(contact)
    fcr.settle()
    return contacts, contacts.totals.merged(fcr.totals, interval_s)


def compute_rows(
    events: Iterable[ContactEvent | AgentState],
    sla: SlaSettings | None = None,
    interval_s: int = INTERVAL_S,
) -> list[KpiRow]:
    """Recompute KPI rows: one per (client, queue, channel, interval) with an arrival."""
    sla = sla or SlaSettings()
    _, merged = run_engine(events, sla, interval_s)
    return [
        kpi_row(key, vector, sla.formula(key[0])) for key, vector in sorted(merged.items()) if vector[0] > 0
    ]


def compute_file(path: Path, sla: SlaSettings | None = None) -> tuple[list[KpiRow], ReadReport]:
    """Recompute the KPI rows of a JSONL file."""
    report = ReadReport()
    with path.open("rb") as handle:
        rows = compute_rows(read_events(handle, report), sla)
    return rows, report
