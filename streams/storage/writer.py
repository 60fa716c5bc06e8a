"""Write one batch's output to ClickHouse: large inserts, one per table, in a safe order."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from streams.engine.copies import CONFLICT_REASON
from streams.stages.output import StageOutput
from streams.storage.backends.protocol import ClickHouse
from streams.storage.schema.tables import (
    AGENT_COLUMNS,
    CONTACT_COLUMNS,
    DEAD_LETTER_COLUMNS,
    LAG_COLUMNS,
    LATE_COLUMNS,
    LATEST_COLUMNS,
    RAW_COLUMNS,
    SLA_TARGET_COLUMNS,
    WATERMARK_COLUMNS,
    agent_row,
    contact_row,
    dead_letter_row,
    kpi_columns,
    kpi_rows,
    late_row,
    raw_row,
    row_table,
    sla_target_row,
    watermark_row,
)

COLUMNS_OF = {
    "raw_events": RAW_COLUMNS,
    "dead_letters": DEAD_LETTER_COLUMNS,
    "late_events": LATE_COLUMNS,
    "sla_targets": SLA_TARGET_COLUMNS,
    "agent_states": AGENT_COLUMNS,
    "contacts": CONTACT_COLUMNS,
    "stage_watermarks": WATERMARK_COLUMNS,
    "client_latest": LATEST_COLUMNS,
}
# Rows before contacts: after a crash between the two, the restored (older) contact state
# sees the batch's events as new again and rewrites every row they touch. The other way
# round, restored state would already hold the events and the stale rows would stay.
# Watermarks last: a restart never resumes at a watermark ahead of the contacts stored.
# Agent rows and late events before the raw archive, for the same reason: a restart rebuilds
# agents' state time from the archived agent events not turned away as late, until the latest
# event time written per client, and writes every stored agent row of the live range again, so
# that none is left from a batch whose agent events never reached the archive
# (streams.storage.kpi_reads.load_state).
ORDER = (
    "client_latest", "agent_interval", "late_events", "raw_events", "dead_letters", "sla_targets",
    "kpi_interval", "kpi_minute", "reason_interval", "agent_states", "contacts", "stage_watermarks",
)  # fmt: skip
Insert = tuple[str, tuple[str, ...], list[list[Any]]]  # table, columns, rows


def inserts(out: StageOutput, source_topic: str, now: int) -> Iterator[Insert]:
    """The inserts that make a batch's output durable, in :data:`ORDER`; none is empty."""
    version, made = out.version, out.now_s
    rows: dict[str, list[list[Any]]] = {
        "raw_events": [raw_row(r, made) for r in out.received],
        "dead_letters": [dead_letter_row(d, source_topic, now) for d in out.dead_letters],
        "late_events": [late_row(late, made) for late in out.late],
        "sla_targets": [sla_target_row(t, version) for t in out.targets],
        "agent_states": [agent_row(a) for a in out.agents],
        "contacts": [contact_row(c, version) for c in out.contacts],
        "stage_watermarks": [watermark_row(m, version) for m in out.marks],
        "client_latest": [list(latest) for latest in out.latest],
    }
    kpi: dict[tuple[str, tuple[str, ...]], list[list[Any]]] = {}  # one insert per table and columns
    for changes in out.kpi:
        kpi.setdefault((row_table(changes), kpi_columns(changes.columns, changes.kind)), []).extend(
            kpi_rows(changes, version)
        )
    for table in ORDER:
        if table in rows:
            if rows[table]:
                yield table, COLUMNS_OF[table], rows[table]
        else:
            yield from ((name, columns, r) for (name, columns), r in kpi.items() if name == table and r)


# A copy that lost its place (kpis.md, conflicting duplicates) becomes a dead letter from the
# archive, where its bytes and its offset are: before the batch archives the copy that replaces it.
SUPERSEDED = (
    "INSERT INTO dead_letters (topic, kafka_partition, kafka_offset, received_at, reason, payload) "
    "SELECT %(topic)s, kafka_partition, kafka_offset, toDateTime(%(now)s), %(reason)s, payload "
    "FROM raw_events WHERE client = %(client)s AND event_id = %(event_id)s "
    "AND substring(SHA256(payload), 1, 8) = unhex(%(rank)s)"
)


def write_batch(store: ClickHouse, out: StageOutput, source_topic: str) -> None:
    """Insert everything a batch produced; safe to repeat (every table replaces by key)."""
    now = int(time.time())
    for table, columns, rows in inserts(out, source_topic, now):
        if table == "raw_events":
            for gone in out.superseded:
                store.execute(SUPERSEDED, {"topic": source_topic, "now": now, "reason": CONFLICT_REASON,
                                           "client": gone.client, "event_id": gone.event_id,
                                           "rank": f"{gone.rank:016x}"})  # fmt: skip
        store.insert(table, columns, rows)


def write_lag_sample(store: ClickHouse, rows: list[list[Any]]) -> None:
    """One sample of consumer lag per partition (LAG_COLUMNS), for the operations dashboard."""
    store.insert("pipeline_lag", LAG_COLUMNS, rows)
