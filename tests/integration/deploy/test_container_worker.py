"""The worker starts as its container does: the image's entrypoint and the compose command, the
image's ENV and the compose environment (secrets from a .env holding awkward characters), in an
empty working folder, against the real broker and clickhouse-server; it gets ready and writes
rows. Only what Docker would provide is mapped: service names to loopback addresses, volumes
to fresh folders, and the published port to a free one."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import orjson
import pytest
from clickhouse_driver import Client

from cckpi.stack.broker import TansuBroker, free_port
from cckpi.stack.chserver import ClickHouseServer
from cckpi.stack.launcher import wait_drained
from cckpi.stack.processes import stop_process
from schemas.kpi import OUTPUT_COLUMNS
from schemas.sla import load_sla
from streams.batch.compute import LineTally, compute_rows, read_events
from streams.settings import Settings
from streams.storage.backends.connect import connect
from streams.storage.kpi_reads import read_kpi_rows
from tests.helpers.compose import ROOT, image_command, image_environment, service_environment
from tests.helpers.harness import produce_librdkafka, when_loaded
from tests.helpers.messy import messy_stream

pytestmark = pytest.mark.integration
DOTENV = {
    "CLICKHOUSE_USER": "cckpi_admin",
    "CLICKHOUSE_PASSWORD": "adm1n p@ss:w/rd#%20 'quoted' \"double\" ;--",
    "CCKPI_WORKER_USER": "cckpi_worker",
    "CCKPI_WORKER_PASSWORD": "p@ss:w/rd#%20 'quoted' \"double\" ;--",
    "CCKPI_WEB_TOKEN": "a token, with spaces & symbols",
}


def stack_users(server: ClickHouseServer) -> None:
    """The server's users with the .env passwords, as the init script makes them on 24.8 (18.16 is
    set up by users.xml, not SQL): the administrator, and the worker, which may read and write the
    cckpi database only."""
    users_d = server.root / "users.d"
    users_d.mkdir(exist_ok=True)
    for user, password, limits in (
        ("CLICKHOUSE_USER", "CLICKHOUSE_PASSWORD", "<profile>default</profile>"),
        ("CCKPI_WORKER_USER", "CCKPI_WORKER_PASSWORD",
         "<profile>default</profile><allow_databases><database>cckpi</database></allow_databases>"),
    ):  # fmt: skip
        name, digest = DOTENV[user], hashlib.sha256(DOTENV[password].encode()).hexdigest()
        (users_d / f"{name}.xml").write_text(
            f"<yandex><users><{name}><password_sha256_hex>{digest}</password_sha256_hex>"
            f"<networks><ip>127.0.0.1</ip></networks>{limits}<quota>default</quota></{name}></users></yandex>"
        )
        client = Client("127.0.0.1", port=server.tcp_port, user=name, password=DOTENV[password])
        when_loaded(lambda client=client: client.execute("SELECT 1"))  # type: ignore[misc]


def get(port: int, path: str, token: str | None) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 (loopback)
            return response.status, orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def test_the_worker_starts_as_its_container_does(
    tmp_path: Path, broker: TansuBroker, clickhouse_server: ClickHouseServer
) -> None:
    stack_users(clickhouse_server)
    Client("127.0.0.1", port=clickhouse_server.tcp_port).execute("DROP DATABASE IF EXISTS cckpi")
    network = {"clickhouse:9000": f"127.0.0.1:{clickhouse_server.tcp_port}"}
    migrate = {**image_environment(), **service_environment("migrate", DOTENV)}
    migrate["CLICKHOUSE_URL"] = migrate["CLICKHOUSE_URL"].replace(*network.popitem())
    assert "CLICKHOUSE_PASSWORD" not in service_environment("worker", DOTENV)  # the administrator's
    command = image_command("migrate")
    command[0] = shutil.which(command[0], path=str(Path(sys.executable).parent)) or command[0]
    subprocess.run(command, cwd=tmp_path, env={"PATH": os.environ["PATH"], **migrate}, check=True, timeout=90)
    environment = {**image_environment(), **service_environment("worker", DOTENV)}
    port = free_port()
    volumes = {
        "/var/lib/cckpi": tmp_path / "volumes" / "worker-data",
        "/app/sla.yaml": ROOT / "sla.example.yaml",
    }
    network = {"kafka:9092": broker.bootstrap, "clickhouse:9000": f"127.0.0.1:{clickhouse_server.tcp_port}"}
    for key, value in environment.items():
        for inside, outside in [*volumes.items(), *network.items()]:
            value = value.replace(inside, str(outside))
        environment[key] = value
    environment["CCKPI_WEB_PORT"] = str(port)
    assert not Path(environment["CCKPI_DATA_DIR"]).exists()  # a fresh volume's folder does not exist here
    workdir = tmp_path / "empty"
    workdir.mkdir()
    command = image_command("worker")
    command[0] = shutil.which(command[0], path=str(Path(sys.executable).parent)) or command[0]
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(command, cwd=workdir, env={"PATH": os.environ["PATH"], **environment},
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    stream = messy_stream(31, days=1, contacts=500)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()[-3000:]
            try:
                status, body = get(port, "/api/status", DOTENV["CCKPI_WEB_TOKEN"])
                if status == 200 and body.get("assigned"):
                    break
            except OSError:
                pass
            time.sleep(0.3)
        assert get(port, "/api/status", None)[0] == 401  # the token is required
        assert get(port, "/api/status", "wrong")[0] == 401
        produce_librdkafka(broker.bootstrap, "contact-events", stream.messages)
        wait_drained(Settings(kafka_bootstrap=broker.bootstrap, topic="contact-events", group="cckpi"), 120)
    finally:
        code = stop_process(process)
        log.close()
    assert code == 0, (tmp_path / "worker.log").read_text()[-3000:]
    assert list(workdir.iterdir()) == []  # it wrote nothing where it was started
    assert (Path(environment["CCKPI_DATA_DIR"]) / "faust").is_dir()
    sla = load_sla(Path(environment["CCKPI_SLA_FILE"]))  # the worker's, mounted from the repository
    store = connect(f"{clickhouse_server.url}/cckpi", tmp_path, "cckpi")
    try:
        rows = read_kpi_rows(store, formula=sla.formula, cost=sla.hourly_cost)
    finally:
        store.close()
    expected = compute_rows(read_events(stream.values(), LineTally()), sla)
    assert [r.model_dump(include=set(OUTPUT_COLUMNS)) for r in rows] == [
        r.model_dump(include=set(OUTPUT_COLUMNS)) for r in expected
    ]
