"""Every panel's SQL, sent as Grafana's ClickHouse plugin sends it, through the users Grafana
reads with: the shared reader and a client's reader; writes and other clients' rows refused.

The plugin's settings, from its source: grafana/clickhouse-datasource v4.10.1 puts Grafana's SQL
row limit in ``limit`` (pkg/plugin/driver.go, ``customSettings["limit"]``; Grafana's default is
1,000,000), and clickhouse-go v2.32.2 adds ``max_execution_time`` = the query timeout + 5 s to
every query with a deadline (context.go, ``queryOptions``; the plugin's default timeout is 60 s).
A reader with readonly = 1 is refused any of them on current servers (Code 164, chDB 26.9 below),
so every panel failed; 18.16 applied a query's settings even at readonly = 1 (measured here), and
has no ``limit`` setting (the driver leaves it out there; the plugin needs a newer server anyway).
chDB has no users, so there the readers' profile is set on a session of its own.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from clickhouse_driver import Client
from clickhouse_driver.errors import ServerException

from cckpi.stack.chserver import ClickHouseServer
from dashboards.alert_sql import RULES
from dashboards.panels import DASHBOARDS, expand_macros
from producers.simulator import Simulator
from streams.storage.backends.chdb_child import ChdbProcess
from streams.storage.backends.connect import connect
from streams.storage.tenants import GRAFANA_USER, READER_READONLY, client_database, reader_users_xml
from tests.helpers.client_access import PASSWORD, as_client, provision
from tests.helpers.harness import load_through_stages, when_loaded

pytestmark = pytest.mark.integration
PLUGIN_SETTINGS: dict[str, Any] = {"max_execution_time": 65, "limit": 1_000_000}
START = datetime(2026, 11, 2, 8, tzinfo=UTC)
SINCE, UNTIL = int(START.timestamp()), int(START.timestamp()) + 86_400
SHARED = ("cckpi-wallboard", "cckpi-client-sla", "cckpi-operations", "cckpi-agents", "alert rules")


def panels(uids: tuple[str, ...], client: str) -> list[tuple[str, str]]:
    """Each panel's SQL as Grafana sends it (and each alert rule's query, as Grafana's alerting
    sends it through the same datasource)."""
    variables = {"client": client, "timezone": "UTC", "grain": "day"}
    queries = {uid: [(p.title, p.sql) for p in panels] for uid, (_, panels) in DASHBOARDS.items()}
    queries["alert rules"] = list(RULES.values())
    chosen = [query for uid in uids for query in queries[uid]]
    return [(title, expand_macros(sql, SINCE, UNTIL, variables)) for title, sql in chosen]


def seed(url: str, tmp_path: Path, database: str) -> None:
    store = connect(url, tmp_path, database)
    try:
        load_through_stages(store, [e for _, e in Simulator(START, seed=8).events(
            datetime(2026, 11, 2, 10, tzinfo=UTC))])  # fmt: skip
    finally:
        store.close()


def as_grafana(server: ClickHouseServer, database: str) -> Client:
    """The shared reader, once the server has loaded its users.d file."""
    (server.root / "users.d").mkdir(exist_ok=True)
    (server.root / "users.d" / f"{GRAFANA_USER}-{database}.xml").write_text(
        reader_users_xml(GRAFANA_USER, database, PASSWORD))  # fmt: skip

    def connect() -> Client:
        reader = Client("127.0.0.1", port=server.tcp_port, user=GRAFANA_USER, password=PASSWORD,
                        database=database)  # fmt: skip
        reader.execute("SELECT 1")
        return reader

    return when_loaded(connect)


def test_every_panel_reads_with_the_plugins_settings_on_the_server(
    tmp_path: Path, clickhouse_server: ClickHouseServer
) -> None:
    database = f"graf_{uuid.uuid4().hex[:8]}"
    seed(f"{clickhouse_server.url}/{database}", tmp_path, database)
    provision(clickhouse_server, database, "acme")
    grafana = as_grafana(clickhouse_server, database)
    acme = as_client(clickhouse_server, database, "acme")

    admin = Client("127.0.0.1", port=clickhouse_server.tcp_port, database=database)
    for title, sql in panels(SHARED, "acme"):  # the same rows as the server's own user reads
        assert grafana.execute(sql, settings=PLUGIN_SETTINGS) == admin.execute(sql), title
    for title, sql in panels(("cckpi-client-sla",), "acme"):
        assert acme.execute(sql, settings=PLUGIN_SETTINGS), title  # its own rows
        assert not acme.execute(expand_macros(sql.replace("'acme'", "'globex'"), SINCE, UNTIL, {}),
                                settings=PLUGIN_SETTINGS), title  # fmt: skip

    refused = {
        grafana: [f"INSERT INTO {database}.kpi_interval (client) VALUES ('x')", "SET readonly = 0",
                  f"CREATE TABLE {database}.t (x UInt8) ENGINE = Memory",
                  f"DROP TABLE {database}.kpi_interval"],
        acme: [f"SELECT count() FROM {database}.kpi_interval",  # the shared tables
               f"SELECT count() FROM {client_database(database, 'globex')}.kpi_interval",
               "INSERT INTO kpi_interval (client) VALUES ('acme')", "SET readonly = 0"],
    }  # fmt: skip
    for reader, attempts in refused.items():
        for attempt in attempts:
            with pytest.raises(ServerException) as error:
                reader.execute(attempt, settings=PLUGIN_SETTINGS)
            assert error.value.code in (164, 291, 497), attempt  # readonly / access denied


def test_every_panel_reads_with_the_plugins_settings_on_chdb(tmp_path: Path) -> None:
    database = f"graf_{uuid.uuid4().hex[:8]}"
    seed("", tmp_path, database)
    settings = ", ".join(f"{name} = {value}" for name, value in PLUGIN_SETTINGS.items())
    for readonly in (READER_READONLY, 1):
        session = ChdbProcess(tmp_path / "chdb", database)  # a session of its own, set as the profile
        try:
            session.execute(f"SET readonly = {readonly}")
            for _title, sql in panels(SHARED, "acme"):
                if readonly == READER_READONLY:
                    session.query(f"{sql} SETTINGS {settings}")
                    continue
                with pytest.raises(RuntimeError, match="READONLY|Code: 164"):  # what readonly = 1 did
                    session.query(f"{sql} SETTINGS {settings}")
            for write in ("INSERT INTO kpi_interval (client) VALUES ('x')", "SET readonly = 0",
                          "DROP TABLE kpi_interval"):  # fmt: skip
                with pytest.raises(RuntimeError, match="READONLY|Code: 164"):
                    session.execute(write)
        finally:
            session.close()
