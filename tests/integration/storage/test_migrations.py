"""Migrations apply once, in order, on chDB and clickhouse-server, even when workers start together."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from streams.storage.backends.connect import connect
from streams.storage.schema.migrate import load_migrations, migrate
from streams.storage.schema.sql_files import MIGRATIONS_DIR
from streams.storage.tenants import provision_client

pytestmark = pytest.mark.integration


def test_concurrent_first_runs_on_a_server(clickhouse_server: Any, tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            store = connect(clickhouse_server.url, tmp_path, "migrations_race")
            migrate(store)
            store.close()
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    store = connect(clickhouse_server.url, tmp_path, "migrations_race")
    assert migrate(store) == []
    recorded = {row[0] for row in store.query("SELECT version FROM schema_migrations FINAL")}
    assert recorded == {m.version for m in load_migrations()}
    store.close()


def test_chdb_applies_each_migration_once(tmp_path: Path) -> None:
    store = connect(None, tmp_path, "migrations_once")
    assert migrate(store) == [m.name for m in load_migrations()]
    assert migrate(store) == []
    store.close()


def test_an_upgrade_keeps_writes_and_client_views_working(store_url: str | None, tmp_path: Path) -> None:
    """A database made before migration 012, with a client's views and rows in it, upgrades in place:
    the shared tables gain the new columns, the client's view shows them and its old rows, and
    inserts carrying the new columns go on (on 18.16 a stale view would refuse every insert)."""
    before = tmp_path / "before"
    before.mkdir()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        if int(path.name[:3]) < 12:
            shutil.copy(path, before / path.name)
    database = f"upgrade_{'chdb' if store_url is None else 'server'}"
    store = connect(store_url, tmp_path / "data", database)
    migrate(store, before)
    name = "o'brien & co"  # a client name the view's SQL has to quote
    old = ("client", "queue", "channel", "interval_start", "source", "version", "offered", "handled")
    store.insert("kpi_interval", old, [(name, "q", "call", 1_795_000_500, "s", 1, 3, 2),
                                       ("other", "q", "call", 1_795_000_500, "s", 1, 9, 9)])  # fmt: skip
    client_db = provision_client(store, database, name)
    assert "012_transfers_effort_cost" in migrate(store)
    new = (*old, "transferred", "ces_responses", "ces_sum")
    store.insert("kpi_interval", new, [(name, "q", "chat", 1_795_000_500, "s", 1, 4, 4, 1, 2, 11)])
    seen = store.query(f"SELECT channel, offered, transferred, ces_sum FROM {client_db}.kpi_interval "
                       "ORDER BY channel")  # fmt: skip
    assert [tuple(row) for row in seen] == [("call", 3, 0, 0), ("chat", 4, 1, 11)]
    # A shared table made by a later migration (014: rows by reason) gets the client's view too.
    key = ("client", "queue", "channel", "reason", "interval_start", "source", "version", "handled")
    rows = [
        (name, "q", "call", "refund", 1_795_000_500, "s", 1, 2),
        ("other", "q", "call", "x", 1_795_000_500, "s", 1, 5),
    ]
    store.insert("reason_interval", key, rows)
    assert store.query(f"SELECT reason, handled FROM {client_db}.reason_interval") == [("refund", 2)]
    assert migrate(store) == []
    store.close()
