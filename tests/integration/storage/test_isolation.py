"""An outsourcing client's read path returns its own rows and nothing else, on clickhouse-server 18.16."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from clickhouse_driver.errors import ServerException

from dashboards.panels import expand_macros
from producers.simulator import Simulator
from streams.storage.backends.connect import connect
from streams.storage.kpi_reads import read_kpi_rows
from streams.storage.tenants import client_database
from tests.helpers.cli import cckpi
from tests.helpers.client_access import PASSWORD, as_client, client_url, provision
from tests.helpers.harness import load_through_stages

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 2, 8, tzinfo=UTC)


def test_client_a_reads_its_rows_and_cannot_read_client_b(tmp_path: Path, clickhouse_server: Any) -> None:
    database = f"iso_{uuid.uuid4().hex[:8]}"
    events = [e for _, e in Simulator(START, seed=5).events(datetime(2026, 11, 2, 10, tzinfo=UTC))]
    first, later = events[: len(events) // 2], events[len(events) // 2 :]
    admin = connect(f"{clickhouse_server.url}/{database}", tmp_path, database)
    try:
        load_through_stages(admin, first)
        out = provision(
            clickhouse_server, database, "acme", "--grafana-dir", str(tmp_path / "grafana")
        ).stdout
        assert PASSWORD not in out and client_database(database, "acme") in out
        provision(clickhouse_server, database, "globex")
        load_through_stages(admin, later)  # live rows written after provisioning flow in too
        expected = read_kpi_rows(admin, 900, "acme")
        assert expected and len({r.client for r in read_kpi_rows(admin, 900)}) == 3
    finally:
        admin.close()

    acme_url = client_url(clickhouse_server, database, "acme")
    as_client(clickhouse_server, database, "acme")
    reader = connect(acme_url, tmp_path, "unused")  # the same code path the report uses
    try:
        assert read_kpi_rows(reader, 900) == expected  # everything it can see is acme's, all of it
        targets = reader.query("SELECT DISTINCT client FROM sla_targets")
        assert targets == [("acme",)]
    finally:
        reader.close()

    acme = as_client(clickhouse_server, database, "acme")
    for attempt in (
        f"SELECT count() FROM {database}.kpi_interval",  # the shared tables
        f"SELECT count() FROM {client_database(database, 'globex')}.kpi_interval",  # another client's path
        f"SELECT count() FROM remote('127.0.0.1:{clickhouse_server.tcp_port}', {database}.kpi_interval)",
        f"SELECT count() FROM merge('{database}', '^kpi')",
        "INSERT INTO kpi_interval (client) VALUES ('acme')",
    ):
        with pytest.raises(ServerException) as refused:
            acme.execute(attempt)
        assert refused.value.code in (164, 291), attempt  # readonly / database access denied

    globex = as_client(clickhouse_server, database, "globex")
    assert globex.execute("SELECT DISTINCT client FROM kpi_interval") == [("globex",)]

    # The client's Grafana dashboard runs every panel through the client's path: its own
    # numbers when it asks for itself, nothing when it edits the variable to another client.
    board = json.loads(next((tmp_path / "grafana" / "clients").glob("*/cckpi-client-sla.json")).read_text())
    since, until = int(START.timestamp()), int(START.timestamp()) + 86_400
    for panel in board["panels"]:
        sql = panel["targets"][0]["rawSql"]
        own = acme.execute(
            expand_macros(sql, since, until, {"client": "acme", "timezone": "UTC", "grain": "day"})
        )
        other = acme.execute(
            expand_macros(sql, since, until, {"client": "globex", "timezone": "UTC", "grain": "day"})
        )
        assert own and not other, panel["title"]


def report(client: str, out: Path, url: str) -> subprocess.CompletedProcess[str]:
    command = ["report", "--client", client, "--period", "2026-11", "--format", "csv", "--output", str(out)]
    env = {**os.environ, "CLICKHOUSE_URL": url}
    return cckpi(*command, env=env, timeout=120)


def test_report_through_a_client_read_path(tmp_path: Path, clickhouse_server: Any) -> None:
    database = f"iso_{uuid.uuid4().hex[:8]}"
    admin = connect(f"{clickhouse_server.url}/{database}", tmp_path, database)
    try:
        load_through_stages(admin, [e for _, e in Simulator(START, seed=6).events(
            datetime(2026, 11, 2, 9, tzinfo=UTC))])  # fmt: skip
        provision(clickhouse_server, database, "acme")
        offered = sum(r.offered for r in read_kpi_rows(admin, 900, "acme"))
    finally:
        admin.close()
    as_client(clickhouse_server, database, "acme")
    url = client_url(clickhouse_server, database, "acme")
    out = tmp_path / "acme.csv"
    done = report("acme", out, url)
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    with out.open() as handle:
        assert sum(int(row["offered"]) for row in csv.DictReader(handle)) == offered > 0
    refused = report("globex", tmp_path / "globex.csv", url)
    assert refused.returncode == 1 and "no data" in refused.stderr  # acme's path holds no globex rows
