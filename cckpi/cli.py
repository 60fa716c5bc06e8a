"""The ``cckpi`` command line: one subcommand per module of :mod:`cckpi.commands`. Building the
parser loads no command's modules (each imports them when it runs), so ``--version`` and
``--help`` answer at once."""

from __future__ import annotations

import argparse
import logging
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
    # The driver logs each failed connection with its traceback; the command says it in one line.
    logging.getLogger("clickhouse_driver.connection").setLevel(logging.ERROR)
    try:
        return int(args.run(args))
    except Exception as error:
        from pydantic import ValidationError

        from streams.settings import describe

        if type(error).__module__.startswith("clickhouse_driver") and "Network" in type(error).__name__:
            # Unreachable, refused or untrusted (TLS): the driver's message names host and port.
            print(f"cckpi {args.command}: ClickHouse: {str(error).strip()}", file=sys.stderr)
            return 2
        if not isinstance(error, ValidationError) or error.title != "Settings":
            raise
        for line in describe(error):  # a bad environment value: say which, not a traceback
            print(f"cckpi {args.command}: {line}", file=sys.stderr)
        return 2
