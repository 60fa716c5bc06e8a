"""``cckpi replay``: re-derive the KPI rows of a time range from the raw events, and prove it.

It reads from the raw archive in ClickHouse exactly the events the range's rows depend on
(a batch job: one columnar query, no Faust), recomputes the rows with the same engine as
the stream, stores them under a run id beside the live rows, and writes an audit report:
rows and columns that differ, totals, and per row a SHA-256 digest of the events that fed it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from schemas.sla import SlaSettings
from streams.batch.digests import inputs_digest
from streams.batch.packed import Packed
from streams.batch.parallel import batch_messages
from streams.batch.routing import Routes, known_routes
from streams.engine.contributions import has_figures
from streams.engine.copies import CONFLICT_REASON
from streams.engine.intervals import INTERVAL_S, iso_utc, whole_intervals
from streams.engine.totals import RowKey
from streams.replay.comparison import Vectors, differences, totals
from streams.replay.shard import Shard
from streams.storage.archive_reads import derivation_relations, read_relevant
from streams.storage.backends.protocol import ClickHouse
from streams.storage.holiday_dates import pin_stored_holidays
from streams.storage.kpi_reads import read_kpi_vectors
from streams.storage.replay_log import write_run
from streams.storage.sql_derivation import derive

WORKERS = None
DIGEST_RULE = (
    "sha256 over the events of every contact arriving in the row, sorted by event_id, "
    "each as event_id 0x1f payload 0x0a"
)
_NO_INPUTS = inputs_digest(())  # a row no arrival fed (none in practice: rows count arrivals)


@dataclass
class Inputs:
    """The events a replay reads, each column packed; ``skipped`` counts invalid messages."""

    event_ids: Packed  # UTF-8, as the digests hash them
    payloads: Packed
    source: str = "archive"
    skipped: int = 0
    routes: Routes | None = None  # known from the archive's columns
    keys: bytes | None = None  # the event ids' keys (streams.batch.conflicts), known likewise


def read_archive(
    store: ClickHouse, since_s: int, until_s: int, client: str | None, shard: Shard | None = None
) -> Inputs:
    """The archived events the rows of [since, until) depend on (one shard's, if given)."""
    found = read_relevant(store, since_s, until_s, client, shard)
    if found is None:
        return Inputs(Packed.messages([]), Packed.messages([]))
    (event_ids, payloads), (contact_keys, customer_keys, keys) = found
    return Inputs(event_ids, payloads, routes=known_routes(contact_keys, customer_keys), keys=keys.tobytes())


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


def new_run_id() -> str:
    return f"replay-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


Digests = dict[RowKey, tuple[str, int]]  # per row: the digest of its inputs, and their count


def python_rows(archived: Inputs, sla: SlaSettings) -> tuple[Vectors, Digests]:
    """The Python batch engine's row vectors of archived events, and each row's input digest."""
    result = batch_messages(
        archived.payloads, sla, WORKERS, archived.event_ids, archived.routes, archived.keys
    )
    # The inputs hold valid events only; copies of one id that differ (archived under other
    # times) are settled as live settled them, the losing one not counted.
    invalid = [(n, reason) for n, reason in result.report.rejected if reason != CONFLICT_REASON]
    if invalid:
        number, reason = invalid[0]
        event_id = archived.event_ids[number - 1].decode()
        raise ValueError(f"archived event {event_id} no longer validates: {reason}")
    return result.rows, result.inputs


def in_range(rows: Vectors, since_s: int, until_s: int) -> dict[RowKey, Sequence[int]]:
    """The rows a replay of [since, until) stands for: those of its intervals that count a contact."""
    return {key: v for key, v in rows.items() if has_figures(v) and since_s <= key[3] < until_s}


def replay(
    store: ClickHouse,
    sla: SlaSettings,
    since_s: int,
    until_s: int,
    client: str | None,
    inputs: Inputs | None = None,
    engines: tuple[str, ...] = ("python",),
) -> ReplayResult:
    """Recompute [since, until), widened to whole intervals, from the archive (or the given
    inputs, read for that widened range), compare with the live rows, store the run.

    ``engines``: the Python batch engine, the SQL derivation run in ClickHouse over the archive
    (``sql/derivation``), or both, each a derivation of its own: the first one's rows are stored
    and compared with the live rows, and a difference between the two is reported likewise."""
    since_s, until_s = whole_intervals(since_s, until_s)
    pin_stored_holidays(store, sla)  # the closed dates live used, whatever the package says now
    started = int(time.time())
    derived: dict[str, Vectors] = {}
    digests_of: Digests = {}
    count = 0
    archived = Inputs(Packed.messages([]), Packed.messages([]))
    if "python" in engines:
        archived = inputs or read_archive(store, since_s, until_s, client)
        derived["python"], digests_of = python_rows(archived, sla)
        count = len(archived.payloads)
    if "sql" in engines:
        if inputs is not None:
            raise ValueError("the SQL engine reads the archive where it is stored (--source archive)")
        relation, typed = derivation_relations(store, since_s, until_s, client)
        derived["sql"], read, skipped = derive(store, relation, sla, typed=typed)
        invalid = [(n, reason) for n, reason in skipped.rejected if reason != CONFLICT_REASON]
        if invalid:  # the archive holds valid events only
            raise ValueError(f"an archived event no longer validates: {invalid[0][1]}")
        if "python" not in engines:
            count = read
    derivation = Derivation(
        new_run_id(), started, archived.source, since_s, until_s, client, count,
        {engine: in_range(rows, since_s, until_s) for engine, rows in derived.items()},
        digests_of, archived.skipped,
    )  # fmt: skip
    return conclude(store, derivation)


@dataclass
class Derivation:
    """What a replay derived, by engine (the first one's rows are the run's), before comparing."""

    run_id: str
    started: int
    source: str
    since_s: int
    until_s: int
    client: str | None
    events: int
    rows: dict[str, Vectors]  # engine -> the rows of the range
    digests: Digests
    skipped: int = 0
    digest_rule: str = DIGEST_RULE


def conclude(store: ClickHouse, derived: Derivation) -> ReplayResult:
    """Compare a derivation with the live rows (and its engines with each other), store its rows
    and run, and make its audit report."""
    since_s, until_s, client, run_id = derived.since_s, derived.until_s, derived.client, derived.run_id
    engines = tuple(derived.rows)
    in_range = derived.rows[engines[0]]
    live = dict(read_kpi_vectors(store, INTERVAL_S, client, since_s, until_s))
    found = differences(live, in_range)
    both = derived.rows if len(engines) == 2 else None
    between = differences(both["python"], both["sql"]) if both else []
    digests = {}
    rows = []
    for key, vector in sorted(in_range.items()):
        digest, events = derived.digests.get(key, _NO_INPUTS)
        row_client, queue, channel, start = key
        digests["/".join((row_client, queue, channel, iso_utc(start)))] = digest
        rows.append([run_id, row_client, queue, channel, start, digest, events, *vector])
    differing_rows = len({d.row for d in found} | {d.row for d in between})
    run = [run_id, derived.started, derived.source, client or "", since_s, until_s, derived.events,
           differing_rows, int(differing_rows == 0)]  # fmt: skip
    write_run(store, rows, run)
    report = {
        "run_id": run_id,
        "source": derived.source,
        "invalid_messages_skipped": derived.skipped,
        "from": iso_utc(since_s),
        "to": iso_utc(until_s),
        "client": client,
        "events_read": derived.events,
        "rows_live": len(live),
        "rows_replay": len(in_range),
        "engines": list(engines),
        "rows_differing": differing_rows,
        "engine_differences": [
            {"row": "/".join(d.row), "column": d.column, "python": d.live, "sql": d.replay} for d in between
        ],
        "agrees": differing_rows == 0,
        "totals": {"live": totals(live.values()), "replay": totals(in_range.values())},
        "differences": [
            {"row": "/".join(d.row), "column": d.column, "live": d.live, "replay": d.replay} for d in found
        ],
        "inputs_sha256": digests,  # from the Python engine's read (empty with the SQL engine alone)
        "digest_rule": derived.digest_rule,
    }
    return ReplayResult(run_id, derived.events, len(in_range), differing_rows, report)


def write_audit_report(result: ReplayResult, path: Path) -> None:
    path.write_bytes(orjson.dumps(result.report, option=orjson.OPT_INDENT_2))
