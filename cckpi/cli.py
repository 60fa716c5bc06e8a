"""The ``cckpi`` command line: one subcommand per module of :mod:`cckpi.commands`."""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import version

from pydantic import ValidationError

from cckpi.commands import COMMANDS
from streams.settings import describe


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cckpi",
        description="Real-time contact-centre KPIs: events -> Kafka -> Faust -> ClickHouse.",
    )
    parser.add_argument("--version", action="version", version=f"cckpi {version('cckpi')}")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ValidationError as error:
        if error.title != "Settings":
            raise
        for line in describe(error):  # a bad environment value: say which, not a traceback
            print(f"cckpi {args.command}: {line}", file=sys.stderr)
        return 2
