"""Both live stages take any message without raising: every message is counted or a dead letter,
and every row a batch makes can be built for its insert. One message that raised would stop its
partition for good (the worker retries a batch until it is written)."""

from __future__ import annotations

import os
import time

from hypothesis import given, settings

from streams.storage.writer import inserts
from tests.helpers.fuzz_messages import BATCHES, new_stage, through_both_stages


@settings(max_examples=int(os.environ.get("CCKPI_FUZZ_EXAMPLES", "300")), deadline=None)
@given(batches=BATCHES)
def test_no_message_raises_and_each_is_counted_or_a_dead_letter(batches: list[list[bytes]]) -> None:
    one = new_stage(max_future_us=300_000_000)
    for batch, (first, second) in through_both_stages(one, batches):
        for out in (first, second):
            for _table, _columns, rows in inserts(out, "contact-events", int(time.time())):
                assert rows
        assert len(first.dead_letters) <= len(batch)
    assert one.valid + one.rejected >= sum(
        map(len, batches)
    )  # a conflicting copy: counted, then a dead letter
