"""The store every dashboard test reads: the real pipeline fed seven simulated hours (and bad
messages), once per package and per ClickHouse (chDB and clickhouse-server 18.16)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cckpi.stack.broker import TansuBroker
from schemas.wire import parse_event
from streams.storage.backends.protocol import ClickHouse
from tests.helpers.bad_messages import BAD_MESSAGES
from tests.helpers.events import as_messages
from tests.helpers.harness import Message, new_settings, run_pipeline
from tests.helpers.panel_runs import SLA_FILE


@pytest.fixture(scope="package", params=["chdb", "server"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, broker: TansuBroker,
    simulated_events: list[dict],  # type: ignore[type-arg]
) -> Iterator[tuple[ClickHouse, list[Any]]]:  # fmt: skip
    store_url = None if request.param == "chdb" else request.getfixturevalue("clickhouse_server").url
    tmp = tmp_path_factory.mktemp(f"dash-{request.param}")
    settings = new_settings(tmp, broker.bootstrap, store_url).model_copy(
        update={"sla_file": SLA_FILE, "lag_every_s": 1.0}
    )
    bad = [Message(b"bad", payload) for payload, _ in BAD_MESSAGES]
    run_ = run_pipeline(settings, as_messages(simulated_events) + bad, store_url)
    events = [parse_event(m.value) for m in as_messages(simulated_events)]
    store = run_.open_store()
    yield store, events
    store.close()
