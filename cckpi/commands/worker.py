"""``cckpi worker``: the stream worker (see :func:`streams.worker.run.start`)."""

from __future__ import annotations

import argparse

from streams.worker.run import LOG_LEVELS


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("worker", help="run the stream worker against $KAFKA_BOOTSTRAP and ClickHouse")
    p.add_argument("--loglevel", default="info", choices=LOG_LEVELS)
    p.add_argument("--logfile", help="log to this file instead of stderr")
    p.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)  # the benchmark's baseline
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from streams.worker.run import start

    return start(args.loglevel, args.logfile, args.bare)
