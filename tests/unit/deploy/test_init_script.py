"""The compose stack's ClickHouse init script, run as the image runs it, with a stand-in client
that records what it is given: any password is safe, and the reader may set query settings."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "docker" / "clickhouse-init.sh"
NASTY = ["plain-password-1", "it's a 'quote'", 'dq"; DROP USER default; --', "a b\tc", "@:/#%\\$(id)`id`"]


@pytest.mark.parametrize("password", NASTY)
def test_the_password_reaches_sql_only_as_its_digest(tmp_path: Path, password: str) -> None:
    recorded = tmp_path / "sql.txt"
    fake = tmp_path / "bin" / "clickhouse"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/bash\nprintf "%s\\n" "$@" > {tmp_path}/args.txt\ncat > {recorded}\n')
    fake.chmod(0o755)
    env = {"PATH": f"{fake.parent}:{os.environ['PATH']}", "CLICKHOUSE_USER": "admin",
           "CLICKHOUSE_PASSWORD": "admin-secret", "GRAFANA_CLICKHOUSE_PASSWORD": password}  # fmt: skip
    subprocess.run(["bash", str(SCRIPT)], env=env, check=True, timeout=30)
    sql = recorded.read_text()
    digest = hashlib.sha256(password.encode()).hexdigest()
    assert password not in sql
    assert f"IDENTIFIED WITH sha256_hash BY '{digest}' SETTINGS readonly = 2;" in sql
    assert sql.count(";") == 3  # three statements, whatever the password holds


def test_a_missing_password_stops_the_script(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "CLICKHOUSE_USER": "admin", "CLICKHOUSE_PASSWORD": "x"}
    done = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode != 0 and "GRAFANA_CLICKHOUSE_PASSWORD" in done.stderr
