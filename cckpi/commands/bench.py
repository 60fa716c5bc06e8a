"""``cckpi bench``: throughput, latency, recompute speed and memory on the real parts."""

from __future__ import annotations

import argparse
from pathlib import Path

from cckpi.stack.processes import exit_on_sigterm


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="measure throughput, latency, recompute speed and memory on real parts",
        description="Runs the bare Faust agent and the live pipeline on the same broker, "
        "cckpi compute, and a steady-rate latency run; prints medians and writes JSON.",
    )
    p.add_argument("--events", type=int, default=10**6, help="events per throughput run (default 1M)")
    p.add_argument("--runs", type=int, default=3, help="runs per figure; medians are reported (default 3)")
    p.add_argument("--rate", type=float, default=1000.0, help="events/s of the latency run (default 1000)")
    p.add_argument("--latency-seconds", type=float, default=30.0, help="length of the latency run")
    p.add_argument("--one-worker-only", action="store_true", help="skip the clickhouse-server runs")
    p.add_argument("--query-events", type=int, default=10_000_000,
                   help="raw events loaded for the dashboard-query figures (0 skips them)")  # fmt: skip
    p.add_argument("--query-repeats", type=int, default=100, help="runs of each panel's SQL (default 100)")
    p.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    p.add_argument("--keep-workdir", action="store_true",
                   help="keep the working folder (logs and stores, hundreds of MB)")  # fmt: skip
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cckpi.bench.runs import run_bench

    exit_on_sigterm()
    run_bench(
        args.events, args.runs, args.latency_seconds, args.rate, args.json, not args.one_worker_only,
        query_events=args.query_events, query_repeats=args.query_repeats, keep_workdir=args.keep_workdir,
    )  # fmt: skip
    return 0
