"""``cckpi erase`` says what is missing in one line, before it touches anything."""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers.cli import cckpi


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCKPI_", "CLICKHOUSE_", "KAFKA_"))}
    return {**env, "CCKPI_DATA_DIR": str(tmp_path / "data"), "CCKPI_WEB_PORT": "9", **extra}


def test_no_key_no_erasure(tmp_path: Path) -> None:
    done = cckpi("erase", "--client", "acme", "--customer", "c1", env=_env(tmp_path), timeout=60)
    assert done.returncode == 2 and "set $CCKPI_PSEUDONYM_KEY" in done.stderr
    assert not (tmp_path / "data").exists()  # nothing opened


def test_the_customers_and_their_client_are_named(tmp_path: Path) -> None:
    env = _env(tmp_path, CCKPI_PSEUDONYM_KEY="a key of sixteen+ chars")
    assert "--client is required" in cckpi("erase", "--customer", "c1", env=env, timeout=60).stderr
    assert "name the customers" in cckpi("erase", "--client", "acme", env=env, timeout=60).stderr
    missing = cckpi(
        "erase", "--client", "acme", "--customers-file", str(tmp_path / "none.txt"), env=env, timeout=60
    )
    assert missing.returncode == 2 and "--customers-file" in missing.stderr
    shorter = {**env, "CCKPI_PSEUDONYM_KEY": "short"}
    short = cckpi("erase", "--client", "acme", "--customer", "c1", env=shorter, timeout=60)
    assert short.returncode == 2 and "CCKPI_PSEUDONYM_KEY is too short" in short.stderr
