"""The live stages fed in batches with no broker and no ClickHouse: the stored rows kept in dicts
the way ClickHouse's ReplacingMergeTree keeps them (latest version per key), restarts as
dropping every stage and restoring it from those rows."""

from __future__ import annotations

import zlib
from typing import Any

import orjson

from producers.outputs import message_key
from schemas.sla import SlaSettings
from streams.engine.contributions import has_figures
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
        return [kpi_row(key, vector) for key, vector in sorted(summed.items()) if has_figures(vector)]


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
        facts = writes.fact_records()
        tables.write(fcr.ingest(facts, version=n + 1))


def msgspec_to_dict(event: Any) -> dict[str, Any]:
    import msgspec

    body = msgspec.structs.asdict(event)
    body.pop("occurred_us")
    return {"type": event.type, **body}
