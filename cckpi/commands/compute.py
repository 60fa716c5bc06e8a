"""``cckpi compute``: recompute KPI rows offline from a JSON Lines file of events."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from cckpi.formats import FORMATS, write_rows


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compute", help="recompute KPI rows offline from a JSONL file of events")
    p.add_argument("--events", type=Path, required=True, help="JSON Lines file, one event per line")
    p.add_argument("--sla", type=Path, help="SLA file (YAML); contract defaults without it")
    p.add_argument("--format", choices=FORMATS, default="jsonl", help="output format (default jsonl)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cckpi.progress import shown
    from schemas.sla import SlaError, load_sla
    from streams.batch.compute import compute_file
    from streams.batch.parallel import progress

    try:
        sla = load_sla(args.sla)
    except SlaError as error:
        print(f"cckpi compute: bad SLA file:\n{error}", file=sys.stderr)
        return 2
    if not args.events.is_file():
        print(f"cckpi compute: {args.events}: no such file", file=sys.stderr)
        return 2
    with shown(f"computing {args.events.name}", progress):
        rows, report = compute_file(args.events, sla)
    write_rows(rows, args.format)
    if report.rejected:
        print(f"cckpi compute: skipped {len(report.rejected)} bad line(s):", file=sys.stderr)
        for reason, count in Counter(reason for _, reason in report.rejected).most_common():
            lines = [str(n) for n, r in report.rejected if r == reason][:5]
            more = "" if count <= 5 else ", …"
            print(f"  {count} × {reason} (line {', '.join(lines)}{more})", file=sys.stderr)
    print(f"cckpi compute: {report.valid} valid event(s), {len(rows)} row(s)", file=sys.stderr)
    return 0 if report.valid else 1
