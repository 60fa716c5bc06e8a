"""``python -m streams worker``: the worker's start-up, the same as ``cckpi worker``'s."""

from __future__ import annotations

import argparse
import sys

from streams.worker.log_levels import LOG_LEVELS
from streams.worker.start import start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m streams")
    parser.add_argument("command", choices=("worker",))
    parser.add_argument("--loglevel", default="info", choices=LOG_LEVELS)
    parser.add_argument("--logfile", help="log to this file instead of stderr")
    args = parser.parse_args(argv)
    return start(args.loglevel, args.logfile)


if __name__ == "__main__":
    sys.exit(main())
