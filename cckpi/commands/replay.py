"""``cckpi replay``: recompute a range from the raw events and compare it with the live rows."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from streams.engine.intervals import parse_iso, whole_intervals


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "replay",
        help="recompute a time range from the raw archive and compare it with the live rows",
        description="Stores the replayed rows under a run id beside the live ones and writes an audit "
        "report (differences, totals, a SHA-256 digest of each row's input events). Exit 0 when "
        "replay and live agree, 1 when they differ.",
    )
    p.add_argument("--from", dest="since", required=True, help="start, RFC 3339 (widened to whole rows)")
    p.add_argument("--to", dest="until", required=True, help="end (exclusive), RFC 3339 (widened likewise)")
    p.add_argument("--client", help="only this client")
    p.add_argument("--source", choices=("archive", "kafka"), default="archive",
                   help="the raw archive in ClickHouse, or the topic at $KAFKA_BOOTSTRAP (by timestamp, "
                   "outside the live consumer group)")  # fmt: skip
    p.add_argument("--sla", type=Path, help="SLA file (default $CCKPI_SLA_FILE)")
    p.add_argument(
        "--engine", choices=("python", "sql", "both"), default="python",
        help="python: the batch engine (default); sql: kpis.md as SQL run inside ClickHouse over the "
        "archive (sql/derive); both: each, and any difference between them is reported",
    )  # fmt: skip
    p.add_argument("--report", type=Path, help="audit report path (default <run id>.json)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cckpi.progress import shown
    from schemas.sla import SlaError, load_sla
    from streams.batch.parallel import progress
    from streams.replay.run import replay, write_audit_report
    from streams.settings import Settings
    from streams.storage.connect import connect

    settings = Settings()
    try:
        sla = load_sla(args.sla or settings.sla_file)
        since, until = parse_iso(args.since), parse_iso(args.until)
    except (SlaError, ValueError) as error:
        print(f"cckpi replay: {error}", file=sys.stderr)
        return 2
    if until <= since:
        print("cckpi replay: --to must be after --from", file=sys.stderr)
        return 2
    since, until = whole_intervals(since, until)  # the report names the range replayed
    store = connect(settings.clickhouse(), settings.data_dir, settings.database)
    try:
        began = time.perf_counter()
        inputs = None
        if args.source == "kafka":
            from streams.replay.kafka_source import read_kafka

            inputs = read_kafka(settings.require_bootstrap(), settings.topic, since, until, args.client)
        with shown("replaying", progress):
            engines = ("python", "sql") if args.engine == "both" else (args.engine,)
            result = replay(store, sla, since, until, args.client, inputs, engines)
        elapsed = time.perf_counter() - began
    finally:
        store.close()
    path = args.report or Path(f"{result.run_id}.json")
    write_audit_report(result, path)
    verdict = "agrees with the live rows" if result.agrees else f"DIFFERS in {result.differing_rows} row(s)"
    print(f"{result.run_id}: {result.events:,} events, {result.rows:,} rows, {verdict}; "
          f"{result.events / elapsed:,.0f} events/s; report {path}")  # fmt: skip
    return 0 if result.agrees else 1
