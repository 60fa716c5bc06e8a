"""``cckpi bridge``: a real platform's records as contract events, to Kafka or a JSON Lines file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cckpi.options import add_output, output_of, receiver_grants, say_unreadable, say_what_was_read
from cckpi.stack.processes import exit_on_sigterm

if TYPE_CHECKING:
    from producers.bridges.chatwoot import ChatwootBridge
    from producers.bridges.receiver import Converted
    from producers.outputs import EventOutput
    from streams.settings import Grant


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
        "http://HOST:PORT/chatwoot?token=$CCKPI_CHATWOOT_TOKEN): each payload is appended to the "
        "--archive before anything else, then converted and produced. Chatwoot posts each webhook "
        "once and never retries: --replay of the archive converts it again after any outage. "
        "README, 'Chatwoot'.",
    )
    source = c.add_mutually_exclusive_group(required=True)
    source.add_argument("--listen", metavar="HOST:PORT", help="receive webhooks here")
    source.add_argument("--replay", type=Path, help="convert the payloads of an archive (JSON Lines)")
    c.add_argument("--archive", type=Path, help="--listen: where every payload received is kept (required)")
    c.add_argument("--map", type=Path, help="queue map file (YAML) keyed by inbox id; see the README")
    add_output(c)
    c.set_defaults(run=run_chatwoot)


def run_asterisk(args: argparse.Namespace) -> int:
    from producers.bridges.asterisk import AsteriskBridge
    from producers.bridges.follow import follow_log
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
    output = output_of(args, "bridge asterisk")
    if output is None:
        return 2
    exit_on_sigterm()
    follow_log(bridge, tail, output, args.position, say_unreadable if args.follow else None)
    return say_what_was_read(bridge.account, "bridge asterisk")


def run_chatwoot(args: argparse.Namespace) -> int:
    from producers.bridges.chatwoot import ChatwootBridge
    from producers.bridges.queue_map import QueueMapError, load_queue_map
    from producers.bridges.receiver import listen_address

    try:
        bridge = ChatwootBridge(load_queue_map(args.map))
        address = listen_address(args.listen) if args.listen else None
    except (QueueMapError, ValueError) as error:
        print(f"cckpi bridge chatwoot: {error}", file=sys.stderr)
        return 2
    if address is not None and args.archive is None:
        print("cckpi bridge chatwoot: --listen needs --archive FILE: Chatwoot posts each webhook once, "
              "and a payload not kept is lost", file=sys.stderr)  # fmt: skip
        return 2
    if args.replay is not None and not args.replay.is_file():
        print(f"cckpi bridge chatwoot: {args.replay}: no such file", file=sys.stderr)
        return 2
    grants = receiver_grants("bridge chatwoot", "chatwoot") if address else []
    output = output_of(args, "bridge chatwoot") if grants is not None else None
    if output is None:
        return 2
    if address is not None:
        return listen_chatwoot(bridge, address, grants or [], output, args.archive)
    from producers.bridges.follow import follow_log
    from producers.bridges.tail import Position, Tail

    follow_log(bridge, Tail(args.replay, Position(), follow=False), output, None)
    return say_what_was_read(bridge.account, "bridge chatwoot")


def listen_chatwoot(
    bridge: ChatwootBridge,
    address: tuple[str, int],
    grants: list[Grant],
    output: EventOutput,
    archive_path: Path,
) -> int:
    """Receive webhooks until stopped, each kept in the archive before it is converted."""
    from producers.bridges.archive import Archive
    from producers.bridges.receiver import receiver_app, serve

    def webhook(body: bytes, received: float, client: str | None) -> Converted:
        return bridge.webhook(body, received)  # Chatwoot's token is never limited to a client

    archive = Archive(archive_path)
    try:
        serve(receiver_app("/chatwoot", grants, webhook, output, archive), *address)
    finally:
        archive.close()
        output.close()
    return 0
