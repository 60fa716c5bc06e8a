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
from streams.engine.copies import CONFLICT_REASON
from streams.engine.fcr import FCR_WINDOW_US
from streams.engine.intervals import INTERVAL_S, US_PER_S, iso_utc, whole_intervals
from streams.engine.totals import RowKey
from streams.replay.comparison import Vectors, differences, totals
from streams.replay.shard import Shard, shard_filter
from streams.storage.protocol import ClickHouse, bind
from streams.storage.reads import read_kpi_vectors
from streams.storage.sql_derive import derive
from streams.storage.tables import STORED_COLUMNS

REPLAY_COLUMNS = ("run_id", "client", "queue", "channel", "interval_start", "inputs_sha256", "events",
                  *STORED_COLUMNS)  # fmt: skip
RUN_COLUMNS = ("run_id", "started_at", "source", "client", "from_time", "to_time", "events",
               "rows_differing", "agrees")  # fmt: skip
WORKERS = None
DIGEST_RULE = (
    "sha256 over the events of every contact arriving in the row, sorted by event_id, "
    "each as event_id 0x1f payload 0x0a"
)
_NO_INPUTS = inputs_digest(())  # a row no arrival fed (none in practice: rows count arrivals)
_ARRIVALS_IN_RANGE = (
    "SELECT {what} FROM raw_events WHERE type = 'contact.arrived' "
    "AND occurred_at >= toDateTime(%(lo)s) AND occurred_at < toDateTime(%(hi)s) {client}"
)
# Exactly what the range's rows depend on (streams.replay.relevance), however late it came: every
# event of every contact arriving in the range, and the arrivals of their customers that can
# decide their first-contact resolution. The extent of the contacts' events bounds the read
# by the table's key, so a short range does not read the whole archive's payloads. The
# extent matches contact ids alone, which can only widen it (another client's contact of the
# same id) and reads far less than matching the (client, contact) pairs.
_EXTENT = (
    "SELECT count(), min(occurred_us), max(occurred_us) FROM raw_events WHERE contact_id IN ({contact_ids})"
)
_RELEVANT = (
    "SELECT {columns} FROM raw_events FINAL "
    "WHERE occurred_at >= toDateTime(%(first_s)s) AND occurred_at <= toDateTime(%(last_s)s) "
    "AND ((client, contact_id) IN ({contacts}) "
    "OR (type = 'contact.arrived' AND occurred_us >= %(first_us)s AND occurred_us <= %(last_us)s "
    "AND (client, customer_id) IN ({customers})))"
)
# Each event's routing keys come along (streams.batch.routing.known_routes), so the workers need
# not read every payload once more to split them.
_READ = (
    "event_id, payload, toInt64(cityHash64(client, contact_id)), "
    "if(type = 'contact.arrived', toInt64(cityHash64(client, customer_id)), toInt64(-1)), "
    "toInt64(cityHash64(event_id))"  # copies of one id are settled over the whole read
)
_SHARD_BY = "client, contact_id, type, customer_id, occurred_us, event_id"  # see streams.replay.shard


@dataclass
class Inputs:
    """The events a replay reads, each column packed; ``skipped`` counts invalid messages."""

    event_ids: Packed  # UTF-8, as the digests hash them
    payloads: Packed
    source: str = "archive"
    skipped: int = 0
    routes: Routes | None = None  # known from the archive's columns
    keys: bytes | None = None  # the event ids' keys (streams.batch.conflicts), known likewise


def relevant_query(
    store: ClickHouse, since_s: int, until_s: int, client: str | None, shard: Shard | None = None
) -> tuple[str, dict[str, Any]] | None:
    """The query of the archived events the rows of [since, until) depend on (those of one
    shard's contacts, if given), with its parameters (None: no contact arrived in the range)."""
    where_client = "AND client = %(client)s" if client else ""
    contacts = _ARRIVALS_IN_RANGE.format(what="client, contact_id", client=where_client)
    customers = _ARRIVALS_IN_RANGE.format(what="client, customer_id", client=where_client)
    contact_ids = _ARRIVALS_IN_RANGE.format(what="contact_id", client=where_client)
    params: dict[str, Any] = {"lo": since_s, "hi": until_s, "client": client}
    [(found, first_us, last_us)] = store.query(_EXTENT.format(contact_ids=contact_ids), params)
    if not found:
        return None
    last_us += FCR_WINDOW_US
    params.update(
        first_us=first_us, last_us=last_us, first_s=first_us // US_PER_S, last_s=last_us // US_PER_S
    )
    sets = {"contacts": contacts, "customers": customers}
    read = _RELEVANT.format(columns=_READ, **sets)
    if shard is not None:  # a subquery only then: through one, the read takes a fifth longer
        read += " AND " + shard_filter(_RELEVANT.format(columns=_SHARD_BY, **sets))
        params.update(shard=shard.part, shards=shard.parts)
    return read, params


def read_archive(
    store: ClickHouse, since_s: int, until_s: int, client: str | None, shard: Shard | None = None
) -> Inputs:
    """The archived events the rows of [since, until) depend on (one shard's, if given)."""
    relevant = relevant_query(store, since_s, until_s, client, shard)
    if relevant is None:
        return Inputs(Packed.messages([]), Packed.messages([]))
    (event_ids, payloads), (contact_keys, customer_keys, keys) = store.query_packed(*relevant)
    return Inputs(event_ids, payloads, routes=known_routes(contact_keys, customer_keys), keys=keys.tobytes())


def archive_relation(store: ClickHouse, since_s: int, until_s: int, client: str | None) -> str:
    """The same events as :func:`read_archive` reads, as a relation with a ``payload`` column,
    for the SQL derivation to run where they are."""
    relevant = relevant_query(store, since_s, until_s, client)
    if relevant is None:
        return "(SELECT toUInt64(0) AS line, '' AS payload WHERE 0)"
    return f"(SELECT rowNumberInAllBlocks() + 1 AS line, payload FROM ({bind(*relevant)}))"


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
    return {key: v for key, v in rows.items() if v[0] > 0 and since_s <= key[3] < until_s}


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
    (``sql/derive``), or both, each a derivation of its own: the first one's rows are stored
    and compared with the live rows, and a difference between the two is reported likewise."""
    since_s, until_s = whole_intervals(since_s, until_s)
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
        relation = archive_relation(store, since_s, until_s, client)
        derived["sql"], read, skipped = derive(store, relation, sla)
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
    store.insert("replay_kpi", REPLAY_COLUMNS, rows)
    differing_rows = len({d.row for d in found} | {d.row for d in between})
    run = [run_id, derived.started, derived.source, client or "", since_s, until_s, derived.events,
           differing_rows, int(differing_rows == 0)]  # fmt: skip
    store.insert("replay_runs", RUN_COLUMNS, [run])
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
