"""Write one batch's results to ClickHouse: large inserts, one per table."""

from __future__ import annotations

import time

from streams.clickhouse import ClickHouse
from streams.pipeline import Writes
from streams.storage import (
    AGENT_COLUMNS,
    CONTACT_COLUMNS,
    DEAD_LETTER_COLUMNS,
    LATE_COLUMNS,
    RAW_COLUMNS,
    SLA_TARGET_COLUMNS,
    WATERMARK_COLUMNS,
    kpi_columns,
)

COLUMNS_OF = {
    "raw_events": RAW_COLUMNS,
    "contacts": CONTACT_COLUMNS,
    "agent_states": AGENT_COLUMNS,
    "sla_targets": SLA_TARGET_COLUMNS,
    "late_events": LATE_COLUMNS,
    "stage_watermarks": WATERMARK_COLUMNS,
}
# Rows before contacts: after a crash between the two, the restored (older) contact state
# sees the batch's events as new again and rewrites every row they touch. The other way
# round, restored state would already hold the events and the stale rows would stay.
# Watermarks last: a restart never resumes at a watermark ahead of the contacts stored.
ORDER = (
    "raw_events", "dead_letters", "late_events", "sla_targets", "kpi_interval", "kpi_minute",
    "agent_states", "contacts", "stage_watermarks",
)  # fmt: skip


def write_batch(store: ClickHouse, writes: Writes, source_topic: str) -> None:
    """Insert everything a batch produced; safe to repeat (every table replaces by key)."""
    now = int(time.time())
    dead = [
        [source_topic, d.partition, d.offset, now, d.reason, d.payload.decode("utf-8", "replace")]
        for d in writes.dead_letters
    ]
    for table in ORDER:
        if table == "dead_letters":
            store.insert(table, DEAD_LETTER_COLUMNS, dead)
            continue
        for name in sorted(n for n in writes.tables if n.partition(".")[0] == table):
            rows = writes.tables[name]  # "kpi_minute.fcr_success": a subset of the columns
            columns = COLUMNS_OF.get(name) or kpi_columns(name)
            store.insert(table, columns, rows)
