"""The worker as a user that may only read and write its own database, on clickhouse-server 18.16
(set up by users.d there: a profile with readonly 0, allow_databases the database only): it makes
no tables, so on a database ``cckpi migrate`` has not brought up to date it refuses to start and
says what to run; after ``cckpi migrate`` as the administrator it runs a whole stream. Its
environment holds a wrong administrator's password: it never connects as the administrator."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from clickhouse_driver import Client
from clickhouse_driver.errors import ServerException

from cckpi.stack.broker import TansuBroker
from cckpi.stack.chserver import ClickHouseServer
from cckpi.stack.launcher import WorkerProcess, wait_drained
from producers.simulator import Simulator
from schemas.kpi import OUTPUT_COLUMNS
from streams.batch.compute import compute_rows
from streams.batch.jsonl import LineTally, read_events
from streams.kafka import ensure_topics
from streams.settings import Settings
from streams.storage.backends.connect import connect
from streams.storage.kpi_reads import read_kpi_rows
from tests.helpers.cli import cckpi
from tests.helpers.events import as_messages
from tests.helpers.harness import new_settings, produce, when_loaded

pytestmark = pytest.mark.integration
WORKER, PASSWORD = "cckpi_worker_only", "w0rker: @/#%'\" pass"


def limited_worker(server: ClickHouseServer, *databases: str) -> Client:
    """A users.d user that reads and writes these databases and no other (18.16 has no grants)."""
    digest = hashlib.sha256(PASSWORD.encode()).hexdigest()
    (server.root / "users.d").mkdir(exist_ok=True)
    (server.root / "users.d" / f"{WORKER}.xml").write_text(
        f"<yandex><profiles><{WORKER}><readonly>0</readonly></{WORKER}></profiles>\n"
        f"<users><{WORKER}><password_sha256_hex>{digest}</password_sha256_hex>"
        f"<networks><ip>127.0.0.1</ip></networks><profile>{WORKER}</profile><quota>default</quota>"
        f"<allow_databases>{''.join(f'<database>{d}</database>' for d in databases)}</allow_databases>"
        f"</{WORKER}></users></yandex>\n"
    )

    def as_worker() -> Client:
        client = Client("127.0.0.1", port=server.tcp_port, user=WORKER, password=PASSWORD)
        client.execute("SELECT 1")
        return client

    return when_loaded(as_worker)


def migrate_as_administrator(settings: Settings) -> str:
    env = {**os.environ, "CLICKHOUSE_URL": settings.clickhouse_url.get_secret_value(),  # type: ignore[union-attr]
           "CCKPI_DATABASE": settings.database, "CCKPI_DATA_DIR": str(settings.data_dir)}  # fmt: skip
    done = cckpi("migrate", env=env, timeout=120, check=True)
    return done.stdout


def test_the_worker_writes_as_its_own_limited_user(
    tmp_path: Path, broker: TansuBroker, clickhouse_server: ClickHouseServer
) -> None:
    settings = new_settings(tmp_path, broker.bootstrap, clickhouse_server.url)
    worker_client = limited_worker(clickhouse_server, settings.database)
    start = datetime(2026, 11, 23, 14, tzinfo=UTC)
    events = [e for _, e in Simulator(start, seed=11).events(datetime(2026, 11, 23, 15, tzinfo=UTC))]
    ensure_topics(settings)
    produce(settings, as_messages(events))
    own_user = {"CCKPI_WORKER_USER": WORKER, "CCKPI_WORKER_PASSWORD": PASSWORD,
                "CLICKHOUSE_PASSWORD": "not-the-administrators-password"}  # fmt: skip

    # Not migrated: the worker makes no tables; it says what to run, and stops.
    refused = WorkerProcess(settings, tmp_path / "refused.log", env=own_user)
    assert refused.process.wait(timeout=120) == 2
    refused.stop()
    said = (tmp_path / "refused.log").read_text()
    assert "run cckpi migrate as CLICKHOUSE_USER" in said and WORKER in said
    assert not worker_client.execute(f"SHOW TABLES FROM {settings.database}")

    assert "applied 001_" in migrate_as_administrator(settings)
    # A client's read path: its materialized view is written by the worker's inserts, so on 18.16
    # the worker's user must be allowed the client's database too, as provisioning says.
    env = {**os.environ, "CLICKHOUSE_URL": settings.clickhouse_url.get_secret_value(),  # type: ignore[union-attr]
           "CCKPI_DATABASE": settings.database, "CCKPI_CLIENT_PASSWORD": "acme-password-long",
           "CCKPI_WORKER_USER": WORKER, "CCKPI_WORKER_PASSWORD": PASSWORD}  # fmt: skip
    users_xml = tmp_path / "acme.xml"
    provisioned = cckpi("clients", "provision", "--client", "acme", "--users-xml", str(users_xml), env=env,
                        timeout=120)  # fmt: skip
    assert provisioned.returncode == 0, provisioned.stderr
    hint = re.search(rf"user {WORKER} writes .* add <database>(\w+)</database>", provisioned.stdout)
    assert hint, provisioned.stdout
    worker_client = limited_worker(clickhouse_server, settings.database, hint.group(1))
    worker = WorkerProcess(settings, tmp_path / "worker.log", env=own_user)
    try:
        worker.wait_ready()
        wait_drained(settings, timeout_s=240)
    finally:
        code = worker.stop()
    assert code == 0, (tmp_path / "worker.log").read_text()[-3000:]

    store = connect(clickhouse_server.url, settings.data_dir, settings.database)
    try:
        rows = read_kpi_rows(store)
    finally:
        store.close()
    expected = compute_rows(read_events((m.value for m in as_messages(events)), LineTally()))
    assert rows and [r.model_dump(include=set(OUTPUT_COLUMNS)) for r in rows] == [
        r.model_dump(include=set(OUTPUT_COLUMNS)) for r in expected
    ]
    with pytest.raises(ServerException) as refused_elsewhere:  # the user's limit, as the worker had it
        worker_client.execute(f"CREATE DATABASE {settings.database}_other")
    assert refused_elsewhere.value.code == 291
