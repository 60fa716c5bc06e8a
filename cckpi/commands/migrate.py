"""``cckpi migrate``: apply the ClickHouse migrations."""

from __future__ import annotations

import argparse


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("migrate", help="apply the ClickHouse migrations")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from streams.settings import Settings
    from streams.storage.backends.connect import connect
    from streams.storage.schema.migrate import migrate

    settings = Settings()
    store = connect(settings.clickhouse(), settings.data_dir, settings.database)
    applied = migrate(store)
    print(f"{store.description}: applied {', '.join(applied) or 'nothing (up to date)'}")
    return 0
