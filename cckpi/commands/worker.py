"""``cckpi worker``: the stream worker (see :func:`streams.worker.start.start`)."""

from __future__ import annotations

import argparse
import sys

from cckpi.choices import Deferred


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("worker", help="run the stream worker against $KAFKA_BOOTSTRAP and ClickHouse")
    p.add_argument("--loglevel", default="info", choices=Deferred("streams.worker.log_levels", "LOG_LEVELS"),
                   metavar="LEVEL", help="%(choices)s (default info)")  # fmt: skip
    p.add_argument("--logfile", help="log to this file instead of stderr")
    p.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)  # the benchmark's baseline
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cckpi.stack.folder_lock import FolderInUse, chdb_folder, holding
    from streams.worker.start import start

    folder = chdb_folder()
    if folder is None:  # a ClickHouse server: nothing here to share
        return start(args.loglevel, args.logfile, args.bare)
    try:
        with holding(folder):
            return start(args.loglevel, args.logfile, args.bare)
    except FolderInUse as error:
        print(f"cckpi worker: {error}", file=sys.stderr)
        return 2
