"""``cckpi ingest``: an HTTP endpoint any platform can post contract events to."""

from __future__ import annotations

import argparse
import sys

from cckpi.options import add_output, output_of, receiver_grants


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ingest",
        help="receive contract events over HTTP (POST /ingest) and produce them to Kafka",
        description="POST /ingest with one JSON event or JSON Lines, and a token of "
        "$CCKPI_INGEST_TOKENS (TOKEN for any client, CLIENT:TOKEN for one, comma-separated) as "
        "?token= or 'Authorization: Bearer'. Valid events go to Kafka as sent; the answer (200 all, "
        "207 some, 400 none) names each refused line and its reason; a client's token sending "
        "another client's event gets 403 and nothing is taken. Bodies are limited to 8 MiB; the "
        "answer comes once the events are in Kafka.",
    )
    p.add_argument("--listen", metavar="HOST:PORT", default="127.0.0.1:8089", help="default 127.0.0.1:8089")
    add_output(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from producers.bridges.receiver import listen_address, receiver_app, serve
    from producers.ingest import ingest

    try:
        address = listen_address(args.listen)
    except ValueError as error:
        print(f"cckpi ingest: {error}", file=sys.stderr)
        return 2
    grants = receiver_grants("ingest", "ingest")
    output = output_of(args, "ingest") if grants is not None else None
    if grants is None or output is None:
        return 2
    try:
        serve(receiver_app("/ingest", grants, ingest, output), *address)
    finally:
        output.close()
    return 0
