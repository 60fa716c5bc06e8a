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
    from streams.settings import Grant, Settings

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
    if args.output == "kafka" and settings.kafka_bootstrap and kafka_refused(settings, command):
        return None
    try:
        return open_output(
            args.output,
            args.topic or settings.topic,
            args.compression,
            settings.kafka_bootstrap,
            settings.kafka_options(),
        )
    except ValueError as error:
        print(f"cckpi {command}: {error}", file=sys.stderr)
        return None


def kafka_refused(settings: Settings, command: str) -> bool:
    """Whether the cluster refuses these Kafka security settings (a wrong CA, certificate or
    password), said in one line: the clients themselves would retry for ever."""
    from streams.kafka_access import kafka_problem

    problem = kafka_problem(settings.require_bootstrap(), settings)
    if problem is not None:
        print(f"cckpi {command}: {problem}", file=sys.stderr)
    return problem is not None


RECEIVER_VARIABLES = {"chatwoot": "CCKPI_CHATWOOT_TOKEN", "ingest": "CCKPI_INGEST_TOKENS"}


def receiver_grants(command: str, receiver: str) -> list[Grant] | None:
    """The tokens ``receiver`` ('chatwoot' or 'ingest') accepts, or None once their absence is
    said; a warning when they are the deprecated CCKPI_RECEIVER_TOKEN's."""
    from streams.settings import Settings

    variable = RECEIVER_VARIABLES[receiver]
    grants, deprecated = Settings().receiver_grants(receiver)
    if not grants:
        print(f"cckpi {command}: set {variable}: every request must carry a token", file=sys.stderr)
        return None
    if deprecated:
        print(f"cckpi {command}: warning: CCKPI_RECEIVER_TOKEN is deprecated (one token for both receivers "
              f"lets whoever reads Chatwoot's webhook URL post any client's events): set {variable}",
              file=sys.stderr)  # fmt: skip
    return grants


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
