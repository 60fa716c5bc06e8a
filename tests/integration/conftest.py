"""Session-wide real parts: one Tansu broker and one clickhouse-server for all integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from cckpi.stack.broker import TansuBroker
from cckpi.stack.chserver import ClickHouseServer
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


def hold_back_early(events: list[dict]) -> tuple[list[dict], list[dict]]:  # type: ignore[type-arg]
    """Split off every tenth contact event of the first two hours: (on time, held back)."""
    first = events[0]["occurred_at"][:13]
    early_hours = {first, f"{first[:11]}{int(first[11:13]) + 1:02d}"}
    held = [e for i, e in enumerate(events)
            if i % 10 == 0 and "contact_id" in e and e["occurred_at"][:13] in early_hours]  # fmt: skip
    held_ids = {id(e) for e in held}
    return [e for e in events if id(e) not in held_ids], held


def as_messages(events: list[dict]) -> list[Message]:  # type: ignore[type-arg]
    return [Message(message_key(e), orjson.dumps(e)) for e in events]


def write_jsonl(path: Path, events: list[dict]) -> Path:  # type: ignore[type-arg]
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    return path


FAULT_SUMMARY: list[tuple[str, str, int, int, int, int]] = []


def record_fault(test: str, injected: str, sent: int, expected_rows: list, rows: list) -> None:  # type: ignore[type-arg]
    """Note what a fault test injected and what came out, for the summary printed at the end."""
    key = ("client", "queue", "channel", "interval_start")
    want = {tuple(getattr(r, k) for k in key): r for r in expected_rows}
    got = {tuple(getattr(r, k) for k in key): r for r in rows}
    differing = sum(1 for k in set(want) | set(got) if want.get(k) != got.get(k))
    FAULT_SUMMARY.append((test, injected, sent, sum(r.offered for r in expected_rows),
                          sum(r.offered for r in rows), differing))  # fmt: skip


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FAULT_SUMMARY:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fault-test summary (results compared with cckpi compute)")
    write(f"{'test':<44} {'injected':<46} {'messages':>9} {'contacts':>9} {'in rows':>8} {'diff':>5}")
    for test, injected, sent, expected, found, differing in FAULT_SUMMARY:
        write(f"{test[:44]:<44} {injected[:46]:<46} {sent:>9} {expected:>9} {found:>8} {differing:>5}")
