"""``cckpi clients provision``: give an outsourcing client a read path to its own rows only."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from clickhouse_driver.errors import ServerException

from sql.tenants import (
    client_user,
    provision_client,
    reader_statements,
    reader_users_xml,
    user_statements,
    users_xml,
)
from streams.settings import Settings
from streams.storage.connect import connect
from streams.storage.protocol import ClickHouse


def provision(args: argparse.Namespace) -> int:
    settings = Settings()
    password = os.environ.get(args.password_env, "")
    if (args.users_xml or settings.clickhouse()) and len(password) < 12:
        print(f"cckpi clients: set ${args.password_env} to the client's password (12+ characters)",
              file=sys.stderr)  # fmt: skip
        return 2
    store = connect(settings.clickhouse(), settings.data_dir, settings.database)
    try:
        database = provision_client(store, settings.database, args.client)
        user = client_user(settings.database, args.client)
        if args.users_xml:
            how = _write_users_xml(args.users_xml, user, users_xml(settings.database, args.client, password))
        elif settings.clickhouse():
            if not _create_user(store, user_statements(settings.database, args.client), password, "clients"):
                return 1
            how = f"user {user} created (reads {database} only, may set query settings, cannot write)"
        else:
            how = "embedded chDB has no users: serve this client through a ClickHouse server"
    finally:
        store.close()
    if args.grafana_dir:
        from dashboards.clients import client_provisioning, password_variable

        for relative, text in client_provisioning(settings.database, args.client, args.grafana_org).items():
            target = args.grafana_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        how += (f"; Grafana files for organisation {args.grafana_org} in {args.grafana_dir} "
                f"(the password from ${password_variable(settings.database, args.client)})")  # fmt: skip
    print(
        f"client {args.client!r}: database {database} ({', '.join(('kpi_interval', 'sla_targets'))}); {how}"
    )
    print(f"  read path: clickhouse://{user}:<password>@<host>:9000/{database}")
    return 0


def _write_users_xml(path: Path, user: str, text: str) -> str:
    """Write a users.d file only its owner can read; say where."""
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return f"user {user} written to {path} (put it in the server's users.d/)"


def _create_user(store: ClickHouse, statements: list[str], password: str, command: str) -> bool:
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
    """Grafana's reader of the shared database (see :data:`sql.tenants.READER_READONLY`)."""
    password = os.environ.get("GRAFANA_CLICKHOUSE_PASSWORD", "")
    if len(password) < 12:
        print("cckpi dashboards reader: set $GRAFANA_CLICKHOUSE_PASSWORD (12+ characters)", file=sys.stderr)
        return 2
    if users_xml_path is not None:
        print(_write_users_xml(users_xml_path, user, reader_users_xml(user, database, password)))
        return 0
    settings = Settings()
    if not settings.clickhouse():
        print("cckpi dashboards reader: set CLICKHOUSE_URL, or give --users-xml FILE", file=sys.stderr)
        return 2
    store = connect(settings.clickhouse(), settings.data_dir, settings.database)
    try:
        if not _create_user(store, reader_statements(user, database), password, "dashboards reader"):
            return 1
    finally:
        store.close()
    print(f"user {user} created (reads {database}, may set query settings, cannot write)")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "clients",
        help="give an outsourcing client a read path that can only return its own rows",
        description="Creates the client's database of filtered materialized views (its KPI rows and "
        "SLA targets, kept current by every insert) and a readonly ClickHouse user allowed only that "
        "database: by SQL on current servers, or as a users.d file for servers configured by "
        "users.xml (such as 18.16). The password is read from an environment variable, never an "
        "argument, and only its SHA-256 is written.",
    )
    p.add_argument("action", choices=("provision",))
    p.add_argument("--client", required=True)
    p.add_argument("--users-xml", type=Path, help="write the user as a users.d file instead of CREATE USER")
    p.add_argument("--password-env", default="CCKPI_CLIENT_PASSWORD",
                   help="variable holding the client's password (default CCKPI_CLIENT_PASSWORD)")  # fmt: skip
    p.add_argument("--grafana-dir", type=Path,
                   help="also write the client's Grafana datasource and dashboard here")  # fmt: skip
    p.add_argument("--grafana-org", type=int, default=1, help="the client's own Grafana organisation id")
    p.set_defaults(run=provision)
