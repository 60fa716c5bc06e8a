"""``cckpi report``: a client's monthly SLA report from stored or recomputed rows."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schemas.breakdowns import ReasonRow, StaffingRow
    from schemas.sla import SlaSettings


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write a client's monthly SLA report (html, pdf or csv)")
    p.add_argument("--client", required=True)
    p.add_argument("--period", required=True, help="the month, YYYY-MM, in the client's time zone")
    p.add_argument("--format", choices=("html", "pdf", "csv"), default="html")
    p.add_argument("--output", type=Path, help="file to write (default sla-report-CLIENT-PERIOD.FORMAT)")
    p.add_argument("--sla", type=Path, help="SLA file (default $CCKPI_SLA_FILE)")
    p.add_argument("--events", type=Path, help="recompute from this JSONL file instead of reading ClickHouse")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cckpi.report.files import write_report
    from schemas.sla import SlaError, load_sla
    from streams.batch.compute import compute_file
    from streams.engine.intervals import INTERVAL_S, parse_iso
    from streams.engine.monthly import build_report
    from streams.engine.periods import month_bounds
    from streams.settings import Settings

    settings = Settings()
    try:
        sla = load_sla(args.sla or settings.sla_file)
        start, end = month_bounds(args.period, sla.client(args.client).timezone)
    except (SlaError, ValueError) as error:
        print(f"cckpi report: {error}", file=sys.stderr)
        return 2
    if args.events:
        computed, _ = compute_file(args.events, sla)
        rows = [r for r in computed if r.client == args.client
                and start <= parse_iso(r.interval_start) < end]  # fmt: skip
        reasons, staffing = offline_breakdowns(args.events, sla, args.client, start, end)
    else:
        from streams.storage.backends.connect import connect
        from streams.storage.breakdown_reads import read_reason_rows, read_staffing_rows
        from streams.storage.kpi_reads import read_kpi_rows

        store = connect(settings.clickhouse(), settings.data_dir, settings.database)
        try:
            rows = read_kpi_rows(
                store, INTERVAL_S, args.client, start, end, formula=sla.formula, cost=sla.hourly_cost
            )
            reasons = read_reason_rows(store, sla, args.client, start, end)
            try:  # agent rows are the operator's: a client's own reader does not see them
                staffing = read_staffing_rows(store, sla, args.client, start, end)
            except Exception as error:  # noqa: BLE001 - any refusal leaves the rest of the report
                staffing = []
                print(f"cckpi report: no staffing section (agent rows not readable: {str(error)[:120]})",
                      file=sys.stderr)  # fmt: skip
        finally:
            store.close()
    if not rows:
        print(f"cckpi report: no data for client {args.client!r} in {args.period}", file=sys.stderr)
        return 1
    output = args.output or Path(f"sla-report-{args.client}-{args.period}.{args.format}")
    write_report(build_report(rows, args.client, args.period, sla, reasons, staffing), args.format, output)
    print(f"cckpi report: wrote {output} ({len(rows)} interval rows)")
    return 0


def offline_breakdowns(
    events: Path, sla: SlaSettings, client: str, start: int, end: int
) -> tuple[list[ReasonRow], list[StaffingRow]]:
    """A client's reason and staffing rows of [start, end), recomputed from a file of events."""
    from streams.batch.grain_rows import grain_rows
    from streams.batch.jsonl import LineTally, read_events
    from streams.engine.intervals import parse_iso

    def mine(grain: str) -> list[Any]:
        with events.open("rb") as lines:
            found = grain_rows(read_events(lines, LineTally()), sla, grain)
        return [r for r in found if r.client == client and start <= parse_iso(r.interval_start) < end]

    return mine("reasons"), mine("staffing")
