"""``cckpi compute``: recompute KPI rows offline from a JSON Lines file of events."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from cckpi.choices import Deferred

if TYPE_CHECKING:
    from schemas.sla import SlaSettings
    from streams.batch.jsonl import LineTally


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compute", help="recompute KPI rows offline from a JSONL file of events")
    p.add_argument("--events", type=Path, required=True, help="JSON Lines file, one event per line")
    p.add_argument("--sla", type=Path, help="SLA file (YAML); contract defaults without it")
    formats = Deferred("cckpi.formats", "FORMATS")
    p.add_argument("--format", choices=formats, default="jsonl", metavar="FORMAT",
                   help="output format: %(choices)s (default jsonl)")  # fmt: skip
    p.add_argument(
        "--grain", choices=Deferred("schemas.row_grains", "ROW_GRAINS"), default="kpi", metavar="GRAIN",
        help="kpi: per queue, channel and interval (default); reasons: per wrap-up reason too; "
        "agents: per agent, queue and interval; staffing: required (Erlang C) vs staffed agents",
    )  # fmt: skip
    p.add_argument(
        "--engine", choices=("python", "sql"), default="python",
        help="python: the batch engine (default); sql: kpis.md as ClickHouse SQL (sql/derivation/), run by "
        "the embedded ClickHouse over the file, an independent second derivation that skips the same lines "
        "(kpi grain)",
    )  # fmt: skip
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cckpi.formats import write_rows
    from cckpi.progress_bar import shown
    from schemas.sla import SlaError, load_sla
    from streams.batch.compute import compute_file
    from streams.batch.parallel import messages_done

    try:
        sla = load_sla(args.sla)
    except SlaError as error:
        print(f"cckpi compute: bad SLA file:\n{error}", file=sys.stderr)
        return 2
    if not args.events.is_file():
        print(f"cckpi compute: {args.events}: no such file", file=sys.stderr)
        return 2
    if args.engine == "sql":
        return run_sql(args, sla)
    if args.grain != "kpi":
        return run_grain(args, sla)
    with shown(f"computing {args.events.name}", messages_done):
        rows, report = compute_file(args.events, sla)
    write_rows(rows, args.format)
    return say_counts(report, len(rows))


def run_sql(args: argparse.Namespace, sla: SlaSettings) -> int:
    """The KPI rows as the SQL derivation gives them, by an embedded ClickHouse in a scratch folder."""
    import tempfile

    from cckpi.formats import write_rows
    from streams.batch.jsonl import LineTally
    from streams.engine.rows import output_rows
    from streams.storage.backends.connect import connect
    from streams.storage.sql_derivation import SqlEngineError, derive, file_source

    if args.grain != "kpi":
        print(f"cckpi compute: --engine sql gives the kpi grain only, not {args.grain}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="cckpi-sql-") as scratch:
        store = connect(None, Path(scratch))
        source = file_source(args.events)
        try:
            derived = derive(store, source, sla)
        except SqlEngineError as error:
            print(f"cckpi compute: {error}", file=sys.stderr)
            return 2
        finally:
            store.close()
    rows = output_rows(sorted(derived.vectors.items()), sla.formula, sla.hourly_cost)
    write_rows(rows, args.format)
    return say_counts(LineTally(derived.skipped.valid, derived.skipped.rejected), len(rows), " (SQL engine)")


def run_grain(args: argparse.Namespace, sla: SlaSettings) -> int:
    """Rows by reason, per agent or for staffing (one process: the whole file at once)."""
    from cckpi.formats import write_rows
    from schemas.breakdowns import AGENT_ROW_COLUMNS, REASON_COLUMNS, STAFFING_COLUMNS
    from streams.batch.grain_rows import grain_rows
    from streams.batch.jsonl import LineTally, read_events

    report = LineTally()
    with args.events.open("rb") as lines:
        rows = grain_rows(read_events(lines, report), sla, args.grain)
    columns = {"reasons": REASON_COLUMNS, "agents": AGENT_ROW_COLUMNS, "staffing": STAFFING_COLUMNS}[
        args.grain
    ]
    if args.format == "table" and args.grain == "reasons":  # the KPIs a reason is read for
        columns = REASON_COLUMNS[:5] + ("handled", "aht_s", "fcr_rate", "csat", "ces", "transfer_rate")
    write_rows(rows, args.format, columns=columns)
    return say_counts(report, len(rows))


def say_counts(report: LineTally, rows: int, engine: str = "") -> int:
    """Say what was skipped and counted; exit 1 when nothing was valid."""
    if report.rejected:
        print(f"cckpi compute: skipped {len(report.rejected)} bad line(s):", file=sys.stderr)
        for reason, count in Counter(reason for _, reason in report.rejected).most_common():
            lines = [str(n) for n, r in report.rejected if r == reason][:5]
            more = "" if count <= 5 else ", …"
            print(f"  {count} × {reason} (line {', '.join(lines)}{more})", file=sys.stderr)
    print(f"cckpi compute: {report.valid} valid event(s), {rows} row(s){engine}", file=sys.stderr)
    return 0 if report.valid else 1
