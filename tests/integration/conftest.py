"""Session-wide real parts: one Tansu broker and one clickhouse-server for all integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from cckpi.broker import TansuBroker
from cckpi.chserver import ClickHouseServer
from producers.outputs import message_key
from producers.simulator import Simulator
from tests.integration.harness import Message

SIM_START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
SIM_END = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TansuBroker]:
    started = TansuBroker(log_path=tmp_path_factory.mktemp("broker") / "tansu.log")
    yield started
    started.stop()


@pytest.fixture(scope="session")
def clickhouse_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouseServer]:
    server = ClickHouseServer(tmp_path_factory.mktemp("clickhouse"))
    yield server
    server.stop()


@pytest.fixture(params=["chdb", "server"])
def store_url(request: pytest.FixtureRequest) -> str | None:
    """Each test runs on embedded chDB and on a real clickhouse-server."""
    if request.param == "chdb":
        return None
    server: ClickHouseServer = request.getfixturevalue("clickhouse_server")
    return server.url


@pytest.fixture(scope="session")
def simulated_events() -> list[dict]:  # type: ignore[type-arg]
    """Seven busy simulated hours: every event type, repeats, transfers, surveys."""
    return [event for _, event in Simulator(SIM_START, seed=42).events(SIM_END)]


def as_messages(events: list[dict]) -> list[Message]:  # type: ignore[type-arg]
    return [Message(message_key(e), orjson.dumps(e)) for e in events]


def write_jsonl(path: Path, events: list[dict]) -> Path:  # type: ignore[type-arg]
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    return path
