"""The live stages, restarted from what they stored, end where an uninterrupted run ends.

No Kafka and no ClickHouse: the stored rows are kept in dicts the way ClickHouse's
ReplacingMergeTree keeps them (latest version per key), so this checks the engine's side of
restarts; the integration tests check the same on the real parts.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from producers.simulator import Simulator
from schemas.sla import SlaSettings
from streams.batch.compute import LineTally, compute_rows, read_events
from streams.stages.contact_stage import ContactStage
from streams.stages.fcr_stage import FcrStage
from tests.helpers.stage_runs import FakeTables, msgspec_to_dict, run


@pytest.mark.parametrize(("restart_every", "crash_between"), [(None, False), (3, False), (4, True)])
def test_restarts_reach_the_same_rows(restart_every: int | None, crash_between: bool) -> None:
    events = [e for _, e in Simulator(datetime(2026, 11, 23, 6, tzinfo=UTC), seed=9).events(
        datetime(2026, 11, 23, 10, tzinfo=UTC))]  # fmt: skip
    messages = [orjson.dumps(e) for e in events]
    expected = compute_rows(read_events(messages, LineTally()))
    tables = FakeTables()
    run(messages, tables, restart_every, crash_between)
    assert tables.rows() == expected


def test_new_owner_overwrites_an_fcr_success_that_became_a_failure() -> None:
    """The old owner wrote an FCR success; the repeat arrival reached storage before the new
    owner restored the partition. The new owner must write the row back to zero."""
    from tests.helpers.events import answered, arrived, ended

    first = [arrived(0, "c1", "u1"), answered(5, "c1"), ended(300, "c1", resolved=True)]
    repeat = [arrived(4000, "c2", "u1", channel="chat")]
    tables = FakeTables()
    sla = SlaSettings()
    old = (ContactStage(sla, 1, (900,)), FcrStage((900,)))
    old[0].restore(0, [])
    old[1].restore(0, [])
    records = [(0, n, orjson.dumps(msgspec_to_dict(e))) for n, e in enumerate(first)]
    writes = old[0].ingest(records, version=1)
    tables.write(writes)
    tables.write(old[1].ingest([(0, 0, m) for _, m in writes.facts], version=1))
    assert sum(v[12] for v in tables.kpi.values()) == 1  # the old owner counted a success
    # The repeat's contact reaches storage (its stage one wrote it) before the hand-over.
    stage_one = ContactStage(sla, 1, (900,))
    stage_one.restore(0, tables.contacts_of("kafka_partition", 0))
    repeat_writes = stage_one.ingest([(0, 10, orjson.dumps(msgspec_to_dict(repeat[0])))], version=2)
    tables.write(repeat_writes)
    new = FcrStage((900,))
    new.restore(0, tables.contacts_of("customer_partition", 0))
    tables.write(new.ingest([(0, 1, m) for _, m in repeat_writes.facts], version=3))
    assert sum(v[12] for v in tables.kpi.values()) == 0
    assert compute_rows(first + repeat)[0].fcr_success == 0
