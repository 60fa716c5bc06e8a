"""Both live stages take any message without raising: every message is counted or a dead letter,
and every row a batch makes can be built for its insert. One message that raised would stop its
partition for good (the worker retries a batch until it is written)."""

from __future__ import annotations

import os
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.sla import SlaSettings
from streams.stages.contact_stage import ContactStage
from streams.stages.direct import both_stages
from streams.stages.fcr_stage import FcrStage
from streams.storage.writer import inserts
from tests.helpers.fuzz_messages import MESSAGES


@settings(max_examples=int(os.environ.get("CCKPI_FUZZ_EXAMPLES", "300")), deadline=None)
@given(batches=st.lists(st.lists(MESSAGES, min_size=1, max_size=8), min_size=1, max_size=3))
def test_no_message_raises_and_each_is_counted_or_a_dead_letter(batches: list[list[bytes]]) -> None:
    one, two = ContactStage(SlaSettings(), 2, max_future_us=300_000_000), FcrStage()
    for partition in range(2):
        one.restore(partition, [])
        two.restore(partition, [])
    offset = 0
    for batch in batches:
        records = [(n % 2, offset + n, payload) for n, payload in enumerate(batch)]
        offset += len(batch)
        first, second = both_stages(one, two, records, version=time.time_ns(), now_s=int(time.time()))
        for out in (first, second):
            for _table, _columns, rows in inserts(out, "contact-events", int(time.time())):
                assert rows
        assert len(first.dead_letters) <= len(batch)
    assert one.valid + one.rejected >= offset  # a conflicting copy is counted, then a dead letter too
