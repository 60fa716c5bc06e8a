"""``cckpi bridge``: a real platform's records as contract events, to Kafka or a JSON Lines file."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from cckpi.processes import exit_on_sigterm
from producers.bridges.asterisk import Unreadable
from producers.outputs import CODECS, EventOutput, JsonlOutput, KafkaOutput

SAVE_EVERY_S = 1.0  # how often a follower delivers what it sent and saves its position
SHOWN_UNREADABLE = 20


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bridge", help="turn a platform's own records into contract events")
    platforms = p.add_subparsers(dest="platform", required=True)
    a = platforms.add_parser(
        "asterisk",
        help="Asterisk's queue_log (FreePBX, Issabel, VitalPBX): calls and agent states",
        description="Converts every line of queue_log (README, 'Asterisk queue_log' for the mapping). "
        "A line that cannot be read is reported with its number, never dropped unsaid; the exit "
        "code is 1 when there was one. The same line always gives the same event ids.",
    )
    a.add_argument("--queue-log", type=Path, required=True, help="the queue_log file")
    a.add_argument("--follow", action="store_true", help="keep reading as Asterisk writes (and rotates)")
    a.add_argument("--position", type=Path, help="where --follow saves how far it read (resumes there)")
    a.add_argument("--map", type=Path, help="queue map file (YAML): each queue's client; see the README")
    add_output(a)
    a.set_defaults(run=run_asterisk)


def add_output(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", default="kafka", help="'kafka' ($KAFKA_BOOTSTRAP) or a .jsonl file path")
    p.add_argument("--topic", help="topic (default $CCKPI_TOPIC or contact-events)")
    p.add_argument("--compression", choices=CODECS, default="none", help="Kafka compression codec")


def open_output(args: argparse.Namespace, command: str) -> EventOutput | None:
    from streams.settings import Settings

    if args.output != "kafka":
        return JsonlOutput(Path(args.output))
    settings = Settings()
    if not settings.kafka_bootstrap:
        print(f"cckpi {command}: --output kafka needs KAFKA_BOOTSTRAP", file=sys.stderr)
        return None
    return KafkaOutput(settings.kafka_bootstrap, args.topic or settings.topic, args.compression)


def run_asterisk(args: argparse.Namespace) -> int:
    from producers.bridges.asterisk import AsteriskBridge
    from producers.bridges.queue_map import QueueMapError, load_queue_map
    from producers.bridges.tail import Position, Tail
    from streams.settings import Settings

    try:
        queues = load_queue_map(args.map)
        salt = Settings().caller_salt
        bridge = AsteriskBridge(queues, salt.get_secret_value() if salt else None)
        tail = Tail(args.queue_log, Position.load(args.position), args.follow)
    except (QueueMapError, ValueError) as error:
        print(f"cckpi bridge asterisk: {error}", file=sys.stderr)
        return 2
    if not args.follow and not args.queue_log.is_file():
        print(f"cckpi bridge asterisk: {args.queue_log}: no such file", file=sys.stderr)
        return 2
    output = open_output(args, "bridge asterisk")
    if output is None:
        return 2
    exit_on_sigterm()
    saved = time.monotonic()
    try:
        for number, text in tail.lines():
            for event in bridge.line(number, text):
                output.send(event)
            if args.follow and time.monotonic() - saved >= SAVE_EVERY_S:
                output.flush()  # delivered first: a saved position never runs ahead of the topic
                tail.position.save(args.position)
                saved = time.monotonic()
    except KeyboardInterrupt:
        pass
    finally:
        output.close()
    tail.position.save(args.position)
    return say_what_was_read(
        bridge.lines, bridge.events, dict(bridge.ignored), bridge.unreadable, "bridge asterisk"
    )


def say_what_was_read(
    lines: int, events: int, ignored: dict[str, int], unreadable: Sequence[Unreadable], command: str
) -> int:
    """Say what was converted, ignored and unreadable (with line numbers); 1 if any was unreadable."""
    said = ", ".join(f"{count} {name}" for name, count in sorted(ignored.items()))
    print(f"cckpi {command}: {lines} line(s), {events} event(s); ignored: {said or 'none'}; "
          f"unreadable: {len(unreadable)}", file=sys.stderr)  # fmt: skip
    for number, reason, text in unreadable[:SHOWN_UNREADABLE]:
        print(f"  line {number}: {reason}: {text[:120]}", file=sys.stderr)
    if len(unreadable) > SHOWN_UNREADABLE:
        print(f"  … and {len(unreadable) - SHOWN_UNREADABLE} more", file=sys.stderr)
    return 1 if unreadable else 0
