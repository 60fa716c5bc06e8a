"""The ``cckpi`` command line: one subcommand per module of :mod:`cckpi.commands`. Building the
parser loads no command's modules (each imports them when it runs), so ``--version`` and
``--help`` answer at once."""

from __future__ import annotations

import argparse
import sys

from cckpi import __version__
from cckpi.commands import COMMANDS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cckpi",
        description="Real-time contact-centre KPIs: events -> Kafka -> Faust -> ClickHouse.",
    )
    parser.add_argument("--version", action="version", version=f"cckpi {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except Exception as error:
        from pydantic import ValidationError

        from streams.settings import describe

        if not isinstance(error, ValidationError) or error.title != "Settings":
            raise
        for line in describe(error):  # a bad environment value: say which, not a traceback
            print(f"cckpi {args.command}: {line}", file=sys.stderr)
        return 2
