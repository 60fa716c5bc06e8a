"""Migrations apply once, in order, on chDB and clickhouse-server, even when workers start together."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from streams.storage.connect import connect
from streams.storage.migrate import load_migrations, migrate

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
