"""Creating ClickHouse users for the read paths: a client's, and Grafana's reader."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from clickhouse_driver.errors import ServerException

from streams.settings import Settings
from streams.storage.backends.connect import connect
from streams.storage.backends.protocol import ClickHouse
from streams.storage.tenants import reader_statements, reader_users_xml


def write_users_xml(path: Path, user: str, text: str) -> str:
    """Write a users.d file only its owner can read (never readable by others, even while it is
    written); say where."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(descriptor, 0o600)  # a file that was there keeps its mode through os.open
        handle.write(text)
    return f"user {user} written to {path} (put it in the server's users.d/)"


def create_user(store: ClickHouse, statements: list[str], password: str, command: str) -> bool:
    """Run CREATE USER statements; on a refusal say so (an old server answers with a syntax error)."""
    try:
        for statement in statements:
            store.execute(statement, {"password": password})
    except ServerException as error:
        # Only the code: the server's message quotes the statement, password included.
        print(f"cckpi {command}: the server refused CREATE USER (code {error.code}); for servers "
              "set up by users.xml (e.g. 18.16) use --users-xml FILE", file=sys.stderr)  # fmt: skip
        return False
    return True


def create_reader(user: str, database: str, users_xml_path: Path | None) -> int:
    """Grafana's reader of the shared database (see :data:`streams.storage.tenants.READER_READONLY`)."""
    settings = Settings()
    secret = settings.grafana_clickhouse_password
    password = secret.get_secret_value() if secret else ""
    if len(password) < 12:
        print("cckpi dashboards reader: set $GRAFANA_CLICKHOUSE_PASSWORD (12+ characters)", file=sys.stderr)
        return 2
    if users_xml_path is not None:
        print(write_users_xml(users_xml_path, user, reader_users_xml(user, database, password)))
        return 0
    if not settings.clickhouse():
        print("cckpi dashboards reader: set CLICKHOUSE_URL, or give --users-xml FILE", file=sys.stderr)
        return 2
    store = connect(settings.clickhouse(), settings.data_dir, settings.database)
    try:
        if not create_user(store, reader_statements(user, database), password, "dashboards reader"):
            return 1
    finally:
        store.close()
    print(f"user {user} created (reads {database}, may set query settings, cannot write)")
    return 0
