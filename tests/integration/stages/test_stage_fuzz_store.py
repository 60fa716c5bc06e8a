"""What both live stages make of any message is written by ClickHouse as it is (chDB and the 18.16
server): no insert is refused, so no batch is retried for ever, and no time is stored other than
the event's (a DateTime column clamps what it cannot hold, silently)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from streams.storage.backends.connect import connect
from streams.storage.backends.protocol import ClickHouse
from streams.storage.schema.migrate import migrate
from streams.storage.writer import write_batch
from tests.helpers.fuzz_messages import BATCHES, new_stage, through_both_stages

pytestmark = pytest.mark.integration
EXAMPLES = int(os.environ.get("CCKPI_FUZZ_EXAMPLES", "300")) // 6  # each writes a dozen tables


def test_every_batch_of_any_messages_is_written_as_it_is(store_url: str | None, tmp_path: Path) -> None:
    store = connect(store_url, tmp_path, f"fuzz_{'server' if store_url else 'chdb'}_{time.time_ns()}")
    try:
        migrate(store)
        written(store)
        [(events, stored_wrong)] = store.query(
            "SELECT count(), countIf(toInt64(toUnixTimestamp(occurred_at)) != intDiv(occurred_us, 1000000)) "
            "FROM raw_events"
        )
        assert stored_wrong == 0
        assert events > 0  # events were written, not only dead letters
    finally:
        store.close()


def written(store: ClickHouse) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(batches=BATCHES)
    def write(batches: list[list[bytes]]) -> None:
        for _, outputs in through_both_stages(new_stage(), batches):  # no clock rule: any time may come
            for out in outputs:
                write_batch(store, out, "contact-events")

    write()
