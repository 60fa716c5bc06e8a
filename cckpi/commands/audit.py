"""``cckpi audit contacts``: the contacts and raw events behind one KPI row."""

from __future__ import annotations

import argparse
import sys


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="drill down: the contacts and raw events behind one KPI row")
    p.add_argument("what", choices=("contacts",))
    p.add_argument("--client", required=True)
    p.add_argument("--queue", required=True)
    p.add_argument("--interval", required=True, help="the row's interval_start, RFC 3339")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import orjson

    from streams.engine.intervals import parse_iso
    from streams.replay.drill_down import contacts_behind
    from streams.settings import Settings
    from streams.storage.backends.connect import connect

    settings = Settings()
    try:
        start = parse_iso(args.interval)
    except ValueError as error:
        print(f"cckpi audit: --interval: {error}", file=sys.stderr)
        return 2
    store = connect(settings.clickhouse(), settings.data_dir, settings.database)
    try:
        found = contacts_behind(store, args.client, args.queue, start)
    finally:
        store.close()
    for contact in found:
        print(orjson.dumps(contact).decode())
    print(f"cckpi audit: {len(found)} contact(s), {sum(len(c['events']) for c in found)} event(s)",
          file=sys.stderr)  # fmt: skip
    return 0
