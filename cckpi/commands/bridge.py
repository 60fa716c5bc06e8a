"""``cckpi bridge``: a real platform's records as contract events, to Kafka or a JSON Lines file."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import orjson

from cckpi.processes import exit_on_sigterm
from producers.bridges.asterisk import Unreadable
from producers.bridges.chatwoot import ChatwootBridge, Unconvertible
from producers.bridges.receiver import Converted
from producers.outputs import CODECS, EventOutput, JsonlOutput, KafkaOutput, message_key

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
    c = platforms.add_parser(
        "chatwoot",
        help="Chatwoot's webhooks (chat and email): conversations, replies, resolutions, CSAT",
        description="With --listen, receives Chatwoot's webhooks (point an account webhook at "
        "http://HOST:PORT/chatwoot?token=$CCKPI_RECEIVER_TOKEN) and answers once the events are in "
        "Kafka; with --replay, converts saved payloads (JSON Lines) offline. README, 'Chatwoot'.",
    )
    source = c.add_mutually_exclusive_group(required=True)
    source.add_argument("--listen", metavar="HOST:PORT", help="receive webhooks here")
    source.add_argument("--replay", type=Path, help="convert the payloads saved in this JSON Lines file")
    c.add_argument("--archive", type=Path, help="--listen: also append every payload received here")
    c.add_argument("--map", type=Path, help="queue map file (YAML) keyed by inbox id; see the README")
    add_output(c)
    c.set_defaults(run=run_chatwoot)


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
    saved = [time.monotonic()]

    def deliver_and_save() -> None:
        output.flush()  # delivered first: a saved position never runs ahead of the output
        tail.position.save(args.position)
        saved[0] = time.monotonic()

    def idle() -> None:
        if time.monotonic() - saved[0] >= SAVE_EVERY_S:
            deliver_and_save()

    try:
        for number, text in tail.lines(idle=idle):
            before = bridge.unreadable_count
            for event in bridge.line(number, text):
                output.send(event)
            if args.follow:
                if bridge.unreadable_count > before and bridge.last_unreadable:  # now, not months later
                    say_unreadable(bridge.last_unreadable)
                idle()
    except KeyboardInterrupt:
        pass
    finally:
        output.close()  # delivers what was sent; the position is saved only if that worked
        tail.position.save(args.position)
    ignored = dict(bridge.ignored)
    return say_what_was_read(bridge.lines, bridge.events, ignored, bridge.unreadable, "bridge asterisk",
                             bridge.unreadable_count)  # fmt: skip


def say_what_was_read(
    lines: int,
    events: int,
    ignored: dict[str, int],
    unreadable: Sequence[Unreadable],
    command: str,
    count: int | None = None,
) -> int:
    """Say what was converted, ignored and unreadable (``count`` of them, the first with their
    line numbers); 1 if any was unreadable."""
    count = len(unreadable) if count is None else count
    said = ", ".join(f"{n} {name}" for name, n in sorted(ignored.items()))
    print(f"cckpi {command}: {lines} line(s), {events} event(s); ignored: {said or 'none'}; "
          f"unreadable: {count}", file=sys.stderr)  # fmt: skip
    for line in unreadable[:SHOWN_UNREADABLE]:
        say_unreadable(line)
    if count > SHOWN_UNREADABLE:
        print(f"  … and {count - SHOWN_UNREADABLE} more", file=sys.stderr)
    return 1 if count else 0


def say_unreadable(line: Unreadable) -> None:
    print(f"  line {line.number}: {line.reason}: {line.text[:120]}", file=sys.stderr)


def listen_address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"--listen {text!r}: give HOST:PORT, e.g. 127.0.0.1:8088")
    return host, int(port)


def receiver_token(command: str) -> str | None:
    from streams.settings import Settings

    token = Settings().receiver_token
    if token is None:
        print(f"cckpi {command}: set CCKPI_RECEIVER_TOKEN: every request must carry it", file=sys.stderr)
        return None
    return token.get_secret_value()


def chatwoot_converter(bridge: ChatwootBridge) -> Callable[[bytes], Converted]:
    """The receiver's ``convert``: one Chatwoot webhook payload per request."""

    def convert(body: bytes) -> Converted:
        try:
            payload = orjson.loads(body)
            if not isinstance(payload, dict):
                raise Unconvertible("the body is not a JSON object")
            events = bridge.convert(payload)
        except (orjson.JSONDecodeError, Unconvertible) as error:
            return 422, {"error": str(error)}, []
        return 200, {"events": len(events)}, [(message_key(e), orjson.dumps(e)) for e in events]

    return convert


def run_chatwoot(args: argparse.Namespace) -> int:
    from producers.bridges.queue_map import QueueMapError, load_queue_map

    try:
        bridge = ChatwootBridge(load_queue_map(args.map))
        address = listen_address(args.listen) if args.listen else None
    except (QueueMapError, ValueError) as error:
        print(f"cckpi bridge chatwoot: {error}", file=sys.stderr)
        return 2
    if args.replay is not None and not args.replay.is_file():
        print(f"cckpi bridge chatwoot: {args.replay}: no such file", file=sys.stderr)
        return 2
    token = receiver_token("bridge chatwoot") if address else ""
    output = open_output(args, "bridge chatwoot") if token is not None else None
    if output is None:
        return 2
    try:
        if address is not None:
            from producers.bridges.receiver import receiver_app, serve

            serve(receiver_app("/chatwoot", token or "", chatwoot_converter(bridge), output, args.archive),
                  *address)  # fmt: skip
            return 0
        unreadable = replay_chatwoot(args.replay, bridge, output)
    finally:
        output.close()
    ignored = dict(bridge.ignored)
    return say_what_was_read(bridge.payloads, bridge.events, ignored, unreadable, "bridge chatwoot")


def replay_chatwoot(path: Path, bridge: ChatwootBridge, output: EventOutput) -> list[Unreadable]:
    """Convert saved payloads, one JSON object a line; return the lines that could not be."""
    convert, unreadable = chatwoot_converter(bridge), []
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            status, answer, messages = convert(line)
            if status >= 400:
                unreadable.append(Unreadable(number, answer["error"], line.decode("utf-8", "replace")))
            for key, value in messages:
                output.send_raw(key, value)
    return unreadable
