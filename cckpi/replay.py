"""``cckpi replay``: re-derive the KPI rows of a time range from the raw events, and prove it.

It reads the range's events from the raw archive in ClickHouse (a batch job: one large query
per day, no Faust), recomputes the rows with the same engine as the stream, stores them under
a run id beside the live rows, and writes an audit report: rows and columns that differ,
totals, and per row a SHA-256 digest of the events that fed it.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from schemas.events import Rejection
from schemas.kpi import ADDITIVE_COLUMNS
from schemas.sla import SlaSettings
from schemas.wire import AgentState, ContactEvent, parse_event
from streams.audit import differences, inputs_by_row, inputs_digest
from streams.clickhouse import ClickHouse
from streams.compute import run_engine
from streams.fcr import FCR_WINDOW_US
from streams.intervals import iso_utc
from streams.rows import kpi_row
from streams.storage import STORED_COLUMNS, read_kpi_rows

DAY = 86_400
BEFORE_S = DAY  # events of a contact rarely precede its arrival by more
AFTER_S = FCR_WINDOW_US // 1_000_000 + DAY  # later arrivals decide FCR up to 7 days after the end
REPLAY_COLUMNS = ("run_id", "client", "queue", "channel", "interval_start", "inputs_sha256", "events",
                  *STORED_COLUMNS)  # fmt: skip
RUN_COLUMNS = ("run_id", "started_at", "source", "client", "from_time", "to_time", "events",
               "rows_differing", "agrees")  # fmt: skip


def read_archive(
    store: ClickHouse, since_s: int, until_s: int, client: str | None
) -> Iterator[tuple[str, bytes]]:
    """(event_id, payload) of archived events in [since, until), a day per query."""
    where_client = "AND client = %(client)s" if client else ""
    for day in range(since_s, until_s, DAY):
        rows = store.query(
            "SELECT event_id, payload FROM raw_events FINAL "
            "WHERE occurred_at >= toDateTime(%(lo)s) AND occurred_at < toDateTime(%(hi)s) "
            f"{where_client} ORDER BY occurred_at, event_id",
            {"lo": day, "hi": min(day + DAY, until_s), "client": client},
        )
        for event_id, payload in rows:
            yield event_id, payload.encode() if isinstance(payload, str) else payload


@dataclass
class ReplayResult:
    run_id: str
    events: int
    rows: int
    differing_rows: int
    report: dict[str, Any]

    @property
    def agrees(self) -> bool:
        return self.differing_rows == 0


def replay(
    store: ClickHouse, sla: SlaSettings, since_s: int, until_s: int, client: str | None
) -> ReplayResult:
    """Recompute [since, until) from the archive, compare with the live rows, store the run."""
    run_id = f"replay-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    started = int(time.time())
    events_of: dict[tuple[str, str], list[tuple[str, bytes]]] = defaultdict(list)
    count = 0

    def events() -> Iterator[ContactEvent | AgentState]:
        nonlocal count
        for event_id, payload in read_archive(store, since_s - BEFORE_S, until_s + AFTER_S, client):
            event = parse_event(payload)
            if isinstance(event, Rejection):  # the archive holds valid events only
                raise ValueError(f"archived event {event_id} no longer validates: {event.reason}")
            count += 1
            if not isinstance(event, AgentState):
                events_of[(event.client, event.contact_id)].append((event_id, payload))
            yield event

    contacts, merged = run_engine(events(), sla)
    in_range = {
        key: vector for key, vector in merged.items() if vector[0] > 0 and since_s <= key[3] < until_s
    }
    replayed = [kpi_row(key, vector, sla.formula(key[0])) for key, vector in sorted(in_range.items())]
    live = read_kpi_rows(store, 900, client, since_s, until_s, formula=sla.formula)
    found = differences(live, replayed)
    inputs = inputs_by_row(contacts, events_of)
    digests = {}
    rows = []
    for (row_client, queue, channel, start), vector in sorted(in_range.items()):
        fed = inputs.get((row_client, queue, channel, iso_utc(start)), [])
        digest = inputs_digest(fed)
        digests["/".join((row_client, queue, channel, iso_utc(start)))] = digest
        rows.append([run_id, row_client, queue, channel, start, digest, len(set(fed)), *vector])
    store.insert("replay_kpi", REPLAY_COLUMNS, rows)
    differing_rows = len({d.row for d in found})
    run = [run_id, started, "archive", client or "", since_s, until_s, count, differing_rows,
           int(differing_rows == 0)]  # fmt: skip
    store.insert("replay_runs", RUN_COLUMNS, [run])
    report = {
        "run_id": run_id,
        "source": "archive",
        "from": iso_utc(since_s),
        "to": iso_utc(until_s),
        "client": client,
        "events_read": count,
        "rows_live": len(live),
        "rows_replay": len(replayed),
        "rows_differing": differing_rows,
        "agrees": differing_rows == 0,
        "totals": {
            name: {c: sum(getattr(r, c) for r in rows_) for c in ADDITIVE_COLUMNS}
            for name, rows_ in (("live", live), ("replay", replayed))
        },
        "differences": [
            {"row": "/".join(d.row), "column": d.column, "live": d.live, "replay": d.replay} for d in found
        ],
        "inputs_sha256": digests,
        "digest_rule": "sha256 over the events of every contact arriving in the row, sorted by event_id, "
        "each as event_id 0x1f payload 0x0a",
    }
    return ReplayResult(run_id, count, len(replayed), differing_rows, report)


def write_report(result: ReplayResult, path: Path) -> None:
    path.write_bytes(orjson.dumps(result.report, option=orjson.OPT_INDENT_2))
