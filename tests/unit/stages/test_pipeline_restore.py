"""The live stages, restarted from what they stored, end where an uninterrupted run ends.

No Kafka and no ClickHouse: the stored rows are kept in dicts the way ClickHouse's
ReplacingMergeTree keeps them (latest version per key), so this checks the engine's side of
restarts; the integration tests check the same on the real parts.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from producers.outputs import message_key
from producers.simulator import Simulator
from schemas.sla import SlaSettings
from streams.batch.compute import LineTally, compute_rows, read_events
from streams.engine.rows import kpi_row
from streams.stages.contact_stage import ContactStage
from streams.stages.fcr_stage import FcrStage
from streams.stages.output import StageOutput
from streams.storage.schema.tables import (
    CONTACT_COLUMNS,
    CONTACT_STATE_COLUMNS,
    STORED_COLUMNS,
    state_from_values,
)
from streams.storage.writer import ORDER, inserts

PARTITIONS = 3


class FakeTables:
    """Latest row per key, as FINAL reads them."""

    def __init__(self) -> None:
        self.contacts: dict[tuple[str, str], list[Any]] = {}
        self.kpi: dict[tuple[Any, ...], list[int]] = {}

    def write(self, out: StageOutput, only: str | None = None) -> None:
        """Keep the rows the writer would insert (of table ``only``, if given)."""
        for table, columns, rows in inserts(out, "contact-events", 0):
            if only is not None and table != only:
                continue
            if table == "contacts":
                for row in rows:
                    named = dict(zip(CONTACT_COLUMNS, row, strict=True))
                    self.contacts[(named["client"], named["contact_id"])] = row
            if table != "kpi_interval":
                continue
            for row in rows:  # stage two's rows name fcr_success only
                named = dict(zip(columns, row, strict=True))
                key = (
                    named["client"],
                    named["queue"],
                    named["channel"],
                    named["interval_start"],
                    named["source"],
                )
                self.kpi[key] = [named.get(c, 0) for c in STORED_COLUMNS]

    def contacts_of(self, column: str, partition: int) -> list[Any]:
        index = CONTACT_COLUMNS.index(column)
        start = len(CONTACT_COLUMNS) - len(CONTACT_STATE_COLUMNS)
        return [state_from_values(r[start:]) for r in self.contacts.values() if r[index] == partition]

    def rows(self) -> list[Any]:
        summed: dict[tuple[Any, ...], list[int]] = {}
        for (client, queue, channel, start, _source), vector in self.kpi.items():
            target = summed.setdefault((client, queue, channel, start), [0] * len(vector))
            for i, value in enumerate(vector):
                target[i] += value
        return [kpi_row(key, vector) for key, vector in sorted(summed.items()) if vector[0] > 0]


def partition_of(payload: bytes) -> int:
    """The key's partition, the same in every run (``hash`` of a str changes per process)."""
    return zlib.crc32(message_key(orjson.loads(payload))) % PARTITIONS


def run(messages: list[bytes], tables: FakeTables, restart_every: int | None, crash_between: bool) -> None:
    """Feed batches of 500; every ``restart_every`` batches, drop all state and restore it."""
    sla = SlaSettings()
    contacts, fcr = ContactStage(sla, PARTITIONS, (900,)), FcrStage((900,))
    offsets = [0] * PARTITIONS
    for n, start in enumerate(range(0, len(messages), 500)):
        if restart_every and n % restart_every == 0:
            contacts, fcr = ContactStage(sla, PARTITIONS, (900,)), FcrStage((900,))
        records = []
        for payload in messages[start : start + 500]:
            p = partition_of(payload)
            records.append((p, offsets[p], payload))
            offsets[p] += 1
        for p in range(PARTITIONS):
            if not contacts.loaded(p):
                contacts.restore(p, tables.contacts_of("kafka_partition", p))
            if not fcr.loaded(p):
                fcr.restore(p, tables.contacts_of("customer_partition", p))
        writes = contacts.ingest(records, version=n + 1)
        if crash_between and restart_every and n % restart_every == restart_every - 1:
            # Crash after the writer's first table of the two, before the second: replay.
            first = next(t for t in ORDER if t in ("kpi_interval", "contacts"))
            tables.write(writes, only=first)
            contacts = ContactStage(sla, PARTITIONS, (900,))
            for p in range(PARTITIONS):
                contacts.restore(p, tables.contacts_of("kafka_partition", p))
            writes = contacts.ingest(records, version=n + 1)
        tables.write(writes)
        facts = [(p, 0, message) for p, message in writes.facts]
        tables.write(fcr.ingest(facts, version=n + 1))


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
    from tests.unit.events import answered, arrived, ended

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


def msgspec_to_dict(event: Any) -> dict[str, Any]:
    import msgspec

    body = msgspec.structs.asdict(event)
    body.pop("occurred_us")
    return {"type": event.type, **body}
