"""The compose stack's ClickHouse init script, run as the image runs it, with a stand-in client
that records what it is given: any password is safe, the reader may set query settings, the worker's
user may read and write rows of cckpi and nothing more, and current ClickHouse parses every statement."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

import chdb
import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "docker" / "clickhouse-init.sh"
NASTY = ["plain-password-1", "it's a 'quote'", 'dq"; DROP USER default; --', "a b\tc", "@:/#%\\$(id)`id`"]


def run_script(tmp_path: Path, **variables: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run the script as the image does, its client a stand-in that records the SQL it is sent."""
    recorded = tmp_path / "sql.txt"
    fake = tmp_path / "bin" / "clickhouse"
    fake.parent.mkdir(exist_ok=True)
    fake.write_text(f'#!/bin/bash\nprintf "%s\\n" "$@" > {tmp_path}/args.txt\ncat > {recorded}\n')
    fake.chmod(0o755)
    env = {"PATH": f"{fake.parent}:{os.environ['PATH']}", "CLICKHOUSE_USER": "admin",
           "CLICKHOUSE_PASSWORD": "admin-secret", "GRAFANA_CLICKHOUSE_PASSWORD": "grafana-secret",
           "CCKPI_WORKER_USER": "cckpi_worker", "CCKPI_WORKER_PASSWORD": "worker-secret",
           **variables}  # fmt: skip
    env = {name: value for name, value in env.items() if value != "<unset>"}
    done = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30)
    return done, recorded


def statements(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";\n") if s.strip()]


def parsed(statement: str) -> str:
    """The statement as current ClickHouse's own parser reads it (chDB: no server, no users)."""
    literal = "'" + statement.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return str(chdb.query(f"SELECT formatQuery({literal})", "TSVRaw")).strip()


@pytest.mark.parametrize("password", NASTY)
def test_the_password_reaches_sql_only_as_its_digest(tmp_path: Path, password: str) -> None:
    both = {"GRAFANA_CLICKHOUSE_PASSWORD": password, "CCKPI_WORKER_PASSWORD": password}
    done, recorded = run_script(tmp_path, **both)
    assert done.returncode == 0, done.stderr
    sql = recorded.read_text()
    digest = hashlib.sha256(password.encode()).hexdigest()
    assert password not in sql
    assert f"IDENTIFIED WITH sha256_hash BY '{digest}' SETTINGS readonly = 2;" in sql
    assert f"CREATE USER IF NOT EXISTS cckpi_worker IDENTIFIED WITH sha256_hash BY '{digest}';" in sql
    assert sql.count(";") == 5  # five statements, whatever the passwords hold
    for statement in statements(sql):
        assert parsed(statement)  # a statement current ClickHouse cannot parse raises


def test_the_worker_may_read_and_write_rows_of_cckpi_only(tmp_path: Path) -> None:
    done, recorded = run_script(tmp_path)
    assert done.returncode == 0, done.stderr
    worker = [s for s in statements(recorded.read_text()) if "cckpi_worker" in s]
    assert [parsed(s).split(" IDENTIFIED")[0] for s in worker] == [
        "CREATE USER IF NOT EXISTS cckpi_worker",
        "GRANT SELECT, INSERT ON cckpi.* TO cckpi_worker",
    ]
    assert "readonly" not in worker[0]  # it writes; its grants are what limits it


@pytest.mark.parametrize("user", ["worker; DROP USER default", "a b", "x'--", ""])
def test_a_worker_user_that_is_no_plain_name_stops_the_script(tmp_path: Path, user: str) -> None:
    done, recorded = run_script(tmp_path, CCKPI_WORKER_USER=user)
    assert done.returncode != 0 and "CCKPI_WORKER_USER" in done.stderr
    assert not recorded.exists()  # nothing sent


@pytest.mark.parametrize(
    "missing", ["GRAFANA_CLICKHOUSE_PASSWORD", "CCKPI_WORKER_USER", "CCKPI_WORKER_PASSWORD"]
)
def test_a_missing_variable_stops_the_script(tmp_path: Path, missing: str) -> None:
    done, recorded = run_script(tmp_path, **{missing: "<unset>"})
    assert done.returncode != 0 and re.search(missing, done.stderr)
    assert not recorded.exists()
