"""The ``cckpi`` command line: compute, simulate, worker, migrate, demo."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from cckpi.formats import FORMATS, write_rows
from cckpi.processes import exit_on_sigterm
from producers.outputs import CODECS
from streams.engine.intervals import parse_iso, whole_intervals


def _compute(args: argparse.Namespace) -> int:
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


def _simulate(args: argparse.Namespace) -> int:
    from producers.outputs import EventOutput, JsonlOutput, KafkaOutput
    from producers.run import parse_duration, parse_speed, run_simulation
    from producers.simulator import Simulator

    start = datetime.fromisoformat(args.start.replace("Z", "+00:00")) if args.start else None
    if start is None:
        now = datetime.now(UTC)
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if start.tzinfo is None:
        print("cckpi simulate: --start needs an offset, e.g. 2026-11-23T00:00:00Z", file=sys.stderr)
        return 2
    until = start + parse_duration(args.duration) if args.duration else None
    if until is None and args.events is None:
        print("cckpi simulate: give --duration or --events (or both)", file=sys.stderr)
        return 2
    output: EventOutput
    if args.output == "kafka":
        from streams.settings import Settings

        settings = Settings()
        bootstrap = args.bootstrap or settings.kafka_bootstrap
        if not bootstrap:
            print(
                "cckpi simulate: --output kafka needs --bootstrap or KAFKA_BOOTSTRAP",
                file=sys.stderr,
            )
            return 2
        output = KafkaOutput(bootstrap, args.topic or settings.topic, args.compression)
    else:
        output = JsonlOutput(Path(args.output))
    report = run_simulation(
        Simulator(start, seed=args.seed), output, until, args.events, parse_speed(args.speed)
    )
    print(f"cckpi simulate: {report.events} events in {report.wall_s:.1f}s", file=sys.stderr)
    return 0


def _worker(args: argparse.Namespace) -> int:
    from schemas.sla import SlaError, load_sla
    from streams.settings import Settings
    from streams.worker.run import run_worker

    settings = Settings()
    try:
        load_sla(settings.sla_file)  # never start half-configured
    except SlaError as error:
        print(f"cckpi worker: bad SLA file, not starting:\n{error}", file=sys.stderr)
        return 2
    return run_worker(settings, loglevel=args.loglevel, logfile=args.logfile, bare=args.bare)


def _migrate(args: argparse.Namespace) -> int:
    from sql.migrate import migrate
    from streams.settings import Settings
    from streams.storage.connect import connect

    settings = Settings()
    store = connect(settings.clickhouse(), settings.data_dir, settings.database)
    applied = migrate(store)
    print(f"{store.description}: applied {', '.join(applied) or 'nothing (up to date)'}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from cckpi.bench import run_bench

    exit_on_sigterm()
    run_bench(
        args.events, args.runs, args.latency_seconds, args.rate, args.json, not args.one_worker_only,
        query_events=args.query_events, query_repeats=args.query_repeats,
    )  # fmt: skip
    return 0


def _report(args: argparse.Namespace) -> int:
    from cckpi.report import build_report, write_report
    from schemas.sla import SlaError, load_sla
    from streams.batch.compute import compute_file
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
    else:
        from streams.storage.connect import connect
        from streams.storage.reads import read_kpi_rows

        store = connect(settings.clickhouse(), settings.data_dir, settings.database)
        try:
            rows = read_kpi_rows(store, 900, args.client, start, end, formula=sla.formula)
        finally:
            store.close()
    if not rows:
        print(f"cckpi report: no data for client {args.client!r} in {args.period}", file=sys.stderr)
        return 1
    output = args.output or Path(f"sla-report-{args.client}-{args.period}.{args.format}")
    write_report(build_report(rows, args.client, args.period, sla), args.format, output)
    print(f"cckpi report: wrote {output} ({len(rows)} interval rows)")
    return 0


def _dashboards(args: argparse.Namespace) -> int:
    if args.action == "generate":
        from dashboards.generate import main as generate

        generate()
        return 0
    if args.action == "reader":
        from cckpi.clients import create_reader

        return create_reader(args.clickhouse_user, args.database, args.users_xml)
    from dashboards.publish import ClickHouseAccess, PublishError, publish

    token = args.token or os.environ.get("GRAFANA_TOKEN")
    password = os.environ.get("GRAFANA_CLICKHOUSE_PASSWORD", "")
    if not args.url or not token:
        print("cckpi dashboards publish: give --url and --token (or $GRAFANA_TOKEN)", file=sys.stderr)
        return 2
    access = ClickHouseAccess(args.clickhouse_host, args.clickhouse_port, args.clickhouse_user, password,
                              args.database)  # fmt: skip
    try:
        done = publish(args.url, token, access)
    except (PublishError, OSError) as error:
        print(f"cckpi dashboards publish: {error}", file=sys.stderr)
        return 1
    for uid in done.pushed:
        print(f"published {uid}")
    for what in done.provisioned:
        print(f"left {what} as it is: that Grafana provisions it from files (read-only there)")
    return 0


def _replay(args: argparse.Namespace) -> int:
    from cckpi.progress import shown
    from schemas.sla import SlaError, load_sla
    from streams.batch.parallel import progress
    from streams.replay.run import replay, write_report
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
            result = replay(store, sla, since, until, args.client, inputs)
        elapsed = time.perf_counter() - began
    finally:
        store.close()
    path = args.report or Path(f"{result.run_id}.json")
    write_report(result, path)
    verdict = "agrees with the live rows" if result.agrees else f"DIFFERS in {result.differing_rows} row(s)"
    print(f"{result.run_id}: {result.events:,} events, {result.rows:,} rows, {verdict}; "
          f"{result.events / elapsed:,.0f} events/s; report {path}")  # fmt: skip
    return 0 if result.agrees else 1


def _audit(args: argparse.Namespace) -> int:
    import orjson

    from streams.replay.drill_down import contacts_behind
    from streams.settings import Settings
    from streams.storage.connect import connect

    settings = Settings()
    try:
        start = parse_iso(args.interval)
    except ValueError as error:
        print(f"cckpi audit: --interval: {error}", file=sys.stderr)
        return 2
    store = connect(settings.clickhouse(), settings.data_dir, settings.database)
    try:
        found = contacts_behind(store, args.client, args.queue, start)
    finally:
        store.close()
    for contact in found:
        print(orjson.dumps(contact).decode())
    print(f"cckpi audit: {len(found)} contact(s), {sum(len(c['events']) for c in found)} event(s)",
          file=sys.stderr)  # fmt: skip
    return 0


def _demo(args: argparse.Namespace) -> int:
    from cckpi.demo import run_demo

    exit_on_sigterm()
    return run_demo(args.duration, args.speed, args.seed, args.partitions)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cckpi",
        description="Real-time contact-centre KPIs: events -> Kafka -> Faust -> ClickHouse.",
    )
    parser.add_argument("--version", action="version", version=f"cckpi {version('cckpi')}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("compute", help="recompute KPI rows offline from a JSONL file of events")
    p.add_argument("--events", type=Path, required=True, help="JSON Lines file, one event per line")
    p.add_argument("--sla", type=Path, help="SLA file (YAML); contract defaults without it")
    p.add_argument("--format", choices=FORMATS, default="jsonl", help="output format (default jsonl)")
    p.set_defaults(run=_compute)

    p = sub.add_parser(
        "simulate",
        help="simulate a contact centre and emit its events",
        description=(
            "Seeded discrete-event simulation of a contact centre: three clients, several "
            "queues, calls, chats (up to 3 per agent) and emails; Poisson arrivals on an "
            "hour-of-day curve; agents with shifts and breaks (agent.state events) whose "
            "number limits answering, so waits, abandons and email backlogs emerge from load; "
            "log-normal talk/hold/wrap times per channel; repeat contacts across channels; "
            "CSAT/NPS surveys. The same seed gives the same events."
        ),
    )
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--start", help="simulated start, RFC 3339 (default: today 00:00 UTC)")
    p.add_argument("--duration", help="simulated time to cover, e.g. 90m, 6h, 30d")
    p.add_argument("--events", type=int, help="stop after this many events")
    p.add_argument(
        "--speed",
        default="max",
        help="'max' (as fast as possible), 'realtime', or a factor like 60",
    )
    p.add_argument("--output", default="kafka", help="'kafka' or a .jsonl file path (default kafka)")
    p.add_argument("--bootstrap", help="Kafka bootstrap servers (default $KAFKA_BOOTSTRAP)")
    p.add_argument("--topic", help="topic (default $CCKPI_TOPIC or contact-events)")
    p.add_argument("--compression", choices=CODECS, default="none",
                   help="Kafka compression codec of the produced batches (default none)")  # fmt: skip
    p.set_defaults(run=_simulate)

    p = sub.add_parser("worker", help="run the stream worker against $KAFKA_BOOTSTRAP and ClickHouse")
    p.add_argument("--loglevel", default="info", choices=("debug", "info", "warning", "error"))
    p.add_argument("--logfile", help="log to this file instead of stderr")
    p.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)  # the benchmark's baseline
    p.set_defaults(run=_worker)

    p = sub.add_parser("migrate", help="apply the ClickHouse migrations")
    p.set_defaults(run=_migrate)

    p = sub.add_parser(
        "bench",
        help="measure throughput, latency, recompute speed and memory on real parts",
        description="Runs the bare Faust agent and the live pipeline on the same broker, "
        "cckpi compute, and a steady-rate latency run; prints medians and writes JSON.",
    )
    p.add_argument("--events", type=int, default=1_000_000, help="events per throughput run (default 1M)")
    p.add_argument("--runs", type=int, default=3, help="runs per figure; medians are reported (default 3)")
    p.add_argument("--rate", type=float, default=1000.0, help="events/s of the latency run (default 1000)")
    p.add_argument("--latency-seconds", type=float, default=30.0, help="length of the latency run")
    p.add_argument("--one-worker-only", action="store_true", help="skip the clickhouse-server runs")
    p.add_argument("--query-events", type=int, default=10_000_000,
                   help="raw events loaded for the dashboard-query figures (0 skips them)")  # fmt: skip
    p.add_argument("--query-repeats", type=int, default=100, help="runs of each panel's SQL (default 100)")
    p.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    p.set_defaults(run=_bench)

    p = sub.add_parser("report", help="write a client's monthly SLA report (html, pdf or csv)")
    p.add_argument("--client", required=True)
    p.add_argument("--period", required=True, help="the month, YYYY-MM, in the client's time zone")
    p.add_argument("--format", choices=("html", "pdf", "csv"), default="html")
    p.add_argument("--output", type=Path, help="file to write (default sla-report-CLIENT-PERIOD.FORMAT)")
    p.add_argument("--sla", type=Path, help="SLA file (default $CCKPI_SLA_FILE)")
    p.add_argument("--events", type=Path, help="recompute from this JSONL file instead of reading ClickHouse")
    p.set_defaults(run=_report)

    p = sub.add_parser(
        "dashboards",
        help="generate the Grafana dashboards, publish them to a Grafana, or create Grafana's reader",
        description="reader: create the SELECT-only ClickHouse user Grafana reads through (password from "
        "$GRAFANA_CLICKHOUSE_PASSWORD) on the server at $CLICKHOUSE_URL, or with --users-xml FILE write it "
        "as a users.d file for servers configured by users.xml (such as 18.16).",
    )
    p.add_argument("action", choices=("generate", "publish", "reader"))
    p.add_argument("--users-xml", type=Path, help="reader: write a users.d file instead of CREATE USER")
    p.add_argument("--url", help="Grafana base URL, e.g. http://127.0.0.1:3000")
    p.add_argument("--token", help="Grafana service-account token (or $GRAFANA_TOKEN; never printed)")
    p.add_argument("--clickhouse-host", default="clickhouse", help="ClickHouse host as Grafana sees it")
    p.add_argument("--clickhouse-port", type=int, default=9000)
    p.add_argument("--clickhouse-user", default="grafana", help="a SELECT-only ClickHouse user; "
                   "its password comes from $GRAFANA_CLICKHOUSE_PASSWORD")  # fmt: skip
    p.add_argument("--database", default="cckpi")
    p.set_defaults(run=_dashboards)

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
    p.add_argument("--report", type=Path, help="audit report path (default <run id>.json)")
    p.set_defaults(run=_replay)

    p = sub.add_parser("audit", help="drill down: the contacts and raw events behind one KPI row")
    p.add_argument("what", choices=("contacts",))
    p.add_argument("--client", required=True)
    p.add_argument("--queue", required=True)
    p.add_argument("--interval", required=True, help="the row's interval_start, RFC 3339")
    p.set_defaults(run=_audit)

    from cckpi.clients import add_parser as add_clients

    add_clients(sub)

    p = sub.add_parser("demo", help="run everything on embedded defaults with a live terminal view")
    p.add_argument("--duration", type=float, help="stop after this many seconds and print a summary")
    p.add_argument("--speed", type=float, default=60.0, help="simulated seconds per real second (default 60)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--partitions", type=int, default=3)
    p.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pydantic import ValidationError

    from streams.settings import describe

    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ValidationError as error:
        if error.title != "Settings":
            raise
        for line in describe(error):  # a bad environment value: say which, not a traceback
            print(f"cckpi {args.command}: {line}", file=sys.stderr)
        return 2
