"""Options and messages the producing commands share (bridges and ingest): where events go,
the receivers' token, and what a bridge read."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from producers.outputs import CODECS

if TYPE_CHECKING:
    from producers.bridges.base import Account, Unreadable
    from producers.outputs import EventOutput

SHOWN_UNREADABLE = 20


def add_output(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", default="kafka", help="'kafka' ($KAFKA_BOOTSTRAP) or a .jsonl file path")
    p.add_argument("--topic", help="topic (default $CCKPI_TOPIC or contact-events)")
    p.add_argument("--compression", choices=CODECS, default="none", help="Kafka compression codec")


def output_of(args: argparse.Namespace, command: str) -> EventOutput | None:
    """The output the options name, or None once the missing setting is said."""
    from producers.outputs import open_output
    from streams.settings import Settings

    settings = Settings()
    try:
        return open_output(
            args.output, args.topic or settings.topic, args.compression, settings.kafka_bootstrap
        )
    except ValueError as error:
        print(f"cckpi {command}: {error}", file=sys.stderr)
        return None


def receiver_token(command: str) -> str | None:
    """The token every request must carry, or None once its absence is said."""
    from streams.settings import Settings

    token = Settings().receiver_token
    if token is None:
        print(f"cckpi {command}: set CCKPI_RECEIVER_TOKEN: every request must carry it", file=sys.stderr)
        return None
    return token.get_secret_value()


def say_what_was_read(account: Account, command: str) -> int:
    """Say what was converted, ignored and unreadable (the first with their line numbers); 1 if
    any was unreadable."""
    said = ", ".join(f"{n} {name}" for name, n in sorted(account.ignored.items()))
    print(f"cckpi {command}: {account.records} record(s), {account.events} event(s); ignored: "
          f"{said or 'none'}; unreadable: {account.unreadable_count}", file=sys.stderr)  # fmt: skip
    for record in account.unreadable[:SHOWN_UNREADABLE]:
        say_unreadable(record)
    if account.unreadable_count > SHOWN_UNREADABLE:
        print(f"  … and {account.unreadable_count - SHOWN_UNREADABLE} more", file=sys.stderr)
    return 1 if account.unreadable_count else 0


def say_unreadable(record: Unreadable) -> None:
    print(f"  line {record.number}: {record.reason}: {record.text[:120]}", file=sys.stderr)
