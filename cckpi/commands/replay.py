"""``cckpi replay``: recompute a range from the raw events and compare it with the live rows."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command's modules load when it runs, not with every command's parser
    from schemas.sla import SlaSettings
    from streams.replay.rederive import ReplayResult
    from streams.replay.shard import Shard
    from streams.settings import Settings
    from streams.storage.backends.protocol import ClickHouse


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "replay",
        help="recompute a time range from the raw archive and compare it with the live rows",
        description="Stores the replayed rows under a run id beside the live ones and writes an audit "
        "report (differences, totals, a SHA-256 digest of each row's input events). Exit 0 when "
        "replay and live agree, 1 when they differ.",
    )
    p.add_argument("--from", dest="since", help="start, RFC 3339 (widened to whole rows)")
    p.add_argument("--to", dest="until", help="end (exclusive), RFC 3339 (widened likewise)")
    p.add_argument("--client", help="only this client")
    p.add_argument("--source", choices=("archive", "kafka"), default="archive",
                   help="the raw archive in ClickHouse, or the topic at $KAFKA_BOOTSTRAP (by timestamp, "
                   "outside the live consumer group)")  # fmt: skip
    p.add_argument("--sla", type=Path, help="SLA file (default $CCKPI_SLA_FILE)")
    p.add_argument(
        "--engine", choices=("python", "sql", "both"), default="python",
        help="python: the batch engine (default); sql: kpis.md as SQL run inside ClickHouse over the "
        "archive (sql/derivation); both: each, and any difference between them is reported",
    )  # fmt: skip
    p.add_argument(
        "--shard", metavar="K/N",
        help="replay only shard K of N (split by customer) and store its rows under --run-id; run the N "
        "shards anywhere against the same ClickHouse, then --merge (Python engine, archive source)",
    )  # fmt: skip
    p.add_argument("--run-id", help="the run a shard belongs to (the same on every shard)")
    p.add_argument("--merge", metavar="RUN_ID", help="add up the stored shards of a run and compare them "
                   "with the live rows, as one replay (no --from/--to)")  # fmt: skip
    p.add_argument("--report", type=Path, help="audit report path (default <run id>.json)")
    p.set_defaults(run=run)


def _refused(args: argparse.Namespace) -> str | None:
    """What is wrong with the combination of options, if anything."""
    if args.merge:
        return None if args.since is None and args.shard is None else "--merge takes no range and no --shard"
    if args.since is None or args.until is None:
        return "--from and --to are required (or --merge RUN_ID)"
    if args.shard is not None:
        if not args.run_id:
            return "--shard needs --run-id, the same on every shard of the run"
        if args.engine != "python" or args.source != "archive":
            return "--shard splits the Python engine's read of the archive (--engine python --source archive)"
    return None


def run(args: argparse.Namespace) -> int:
    from cckpi.progress_bar import shown
    from schemas.sla import SlaError, load_sla
    from streams.batch.parallel import messages_done
    from streams.engine.intervals import parse_iso, whole_intervals
    from streams.replay.rederive import replay
    from streams.replay.shard import parse_shard
    from streams.settings import Settings
    from streams.storage.backends.connect import connect

    settings = Settings()
    refused = _refused(args)
    if refused:
        print(f"cckpi replay: {refused}", file=sys.stderr)
        return 2
    if args.merge:
        return _merge(args, settings)
    try:
        sla = load_sla(args.sla or settings.sla_file)
        since, until = parse_iso(args.since), parse_iso(args.until)
        shard = None if args.shard is None else parse_shard(args.shard)
    except (SlaError, ValueError) as error:
        print(f"cckpi replay: {error}", file=sys.stderr)
        return 2
    if until <= since:
        print("cckpi replay: --to must be after --from", file=sys.stderr)
        return 2
    since, until = whole_intervals(since, until)  # the report names the range replayed
    store = connect(settings.clickhouse(), settings.data_dir, settings.database)
    if shard is not None:
        try:
            return _shard(store, sla, since, until, args, shard)
        finally:
            store.close()
    try:
        began = time.perf_counter()
        inputs = None
        if args.source == "kafka":
            from cckpi.options import kafka_refused
            from streams.replay.kafka_source import read_kafka

            if kafka_refused(settings, "replay"):
                return 2
            bootstrap, options = settings.require_bootstrap(), settings.kafka_options()
            inputs = read_kafka(bootstrap, settings.topic, since, until, args.client, options)
        with shown("replaying", messages_done):
            engines = ("python", "sql") if args.engine == "both" else (args.engine,)
            result = replay(store, sla, since, until, args.client, inputs, engines)
        elapsed = time.perf_counter() - began
    finally:
        store.close()
    return _concluded(result, args.report, f"; {result.events / elapsed:,.0f} events/s")


def _concluded(result: ReplayResult, report: Path | None, speed: str = "") -> int:
    """Write the audit report, say the verdict; exit 0 when replay and live agree, 1 when not."""
    from streams.replay.rederive import write_audit_report

    path = report or Path(f"{result.run_id}.json")
    write_audit_report(result, path)
    verdict = "agrees with the live rows" if result.agrees else f"DIFFERS in {result.differing_rows} row(s)"
    print(f"{result.run_id}: {result.events:,} events, {result.rows:,} rows, {verdict}{speed}; report {path}")
    return 0 if result.agrees else 1


def _shard(store: ClickHouse, sla: SlaSettings, since: int, until: int, args: argparse.Namespace,
           shard: Shard) -> int:  # fmt: skip
    from cckpi.progress_bar import shown
    from streams.batch.parallel import messages_done
    from streams.replay.sharded import replay_shard

    began = time.perf_counter()
    with shown(f"replaying shard {shard}", messages_done):
        done = replay_shard(store, sla, since, until, args.client, shard, args.run_id)
    elapsed = time.perf_counter() - began
    print(f"shard {shard} of {done.run_id}: {done.events:,} events, {done.rows:,} rows stored; "
          f"{done.events / elapsed:,.0f} events/s")  # fmt: skip
    if done.missing:
        print(
            f"waiting for shard {', '.join(map(str, done.missing))}; then: cckpi replay --merge {done.run_id}"
        )
    else:
        print(f"every shard is stored; compare with the live rows: cckpi replay --merge {done.run_id}")
    return 0


def _merge(args: argparse.Namespace, settings: Settings) -> int:
    from streams.replay.sharded import ShardError, merge_shards
    from streams.storage.backends.connect import connect

    store = connect(settings.clickhouse(), settings.data_dir, settings.database)
    try:
        result = merge_shards(store, args.merge)
    except ShardError as error:
        print(f"cckpi replay: {error}", file=sys.stderr)
        return 2
    finally:
        store.close()
    return _concluded(result, args.report)
