"""A client's own database and reader on a real clickhouse-server, made by ``cckpi clients provision``."""

from __future__ import annotations

import os
import subprocess

from clickhouse_driver import Client

from cckpi.stack.chserver import ClickHouseServer
from streams.storage.tenants import client_database, client_user
from tests.helpers.cli import cckpi
from tests.helpers.harness import when_loaded

PASSWORD = "correct-horse-battery-staple"


def provision(
    server: ClickHouseServer, database: str, client: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    users_d = server.root / "users.d"
    users_d.mkdir(exist_ok=True)
    env = {**os.environ, "CLICKHOUSE_URL": f"{server.url}/{database}", "CCKPI_DATABASE": database,
           "CCKPI_CLIENT_PASSWORD": PASSWORD}  # fmt: skip
    return cckpi("clients", "provision", "--client", client,
                 "--users-xml", str(users_d / f"{client_user(database, client)}.xml"), *extra,
                 env=env, timeout=120, check=True)  # fmt: skip


def client_url(server: ClickHouseServer, database: str, client: str) -> str:
    user, own = client_user(database, client), client_database(database, client)
    return f"clickhouse://{user}:{PASSWORD}@127.0.0.1:{server.tcp_port}/{own}"


def as_client(server: ClickHouseServer, database: str, client: str) -> Client:
    """Connect with the client's credentials once the server has loaded its users.d file."""

    def connect() -> Client:
        reader = Client.from_url(client_url(server, database, client))
        reader.execute("SELECT 1")
        return reader

    return when_loaded(connect)
