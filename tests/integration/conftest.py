"""Session-wide real parts: one Tansu broker and one clickhouse-server for all integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cckpi.stack.broker import TansuBroker
from cckpi.stack.chserver import ClickHouseServer
from producers.simulator import Simulator
from tests.helpers.events import SIM_END, SIM_START


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
