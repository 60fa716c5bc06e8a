"""A second, independent derivation of the KPI rows: kpis.md written as ClickHouse SQL
(``sql/derivation/``, one readable file per step), run where the events are: chDB embedded, or a
current ClickHouse server (it needs ``VALUES``, tuples in ``argMin`` and array lambdas).

It shares no code with the Python engine but the SLA file's resolved thresholds and the
calendar of opening hours they give (email first responses count business time), so the audit
can set one against the other. It reads any input: the contract's validation is its own
(``events.sql``); the contract models only word the reason of each message it refuses, and
settle the rare copies of one event id that differ (``streams.engine.copies``), so both engines
skip the same messages for the same reasons.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, get_args

from schemas.channels import SYNCHRONOUS, Channel, is_synchronous
from schemas.events import EVENT_TYPES, AgentStateName, Rejection
from schemas.sla import FCR_WINDOW_S, SlaSettings
from schemas.wire import parse_event
from streams.engine.business_time import local_date, opening_intervals
from streams.engine.contributions import COLUMNS, Vector
from streams.engine.copies import CONFLICT_REASON, Copy, as_received, settle_copies
from streams.engine.intervals import INTERVAL_S, US_PER_S
from streams.engine.totals import RowKey
from streams.storage.backends.protocol import ClickHouse, bind
from streams.storage.named_twice import CANON_COLUMNS, canonical_forms, read_canonically
from streams.storage.schema.sql_files import DERIVATION_DIR

LANE_COLUMNS = (
    "client String, queue String, channel String, sl_threshold_us Int64, short_abandon_us Int64, "
    "first_response_target_us Nullable(Int64), business UInt8"
)
CALENDAR_COLUMNS = "client String, opens Array(Int64), closes Array(Int64)"


class SqlEngineError(ValueError):
    """What the SQL derivation cannot do here, said before anything is counted."""


def step(name: str, **inputs: str) -> str:
    """One file of ``sql/derivation`` with its inputs in place (``{name}`` placeholders)."""
    text = (DERIVATION_DIR / f"{name}.sql").read_text()
    for key, value in inputs.items():
        text = text.replace("{" + key + "}", value)
    return text


def literal(value: object) -> str:
    """A value as an SQL literal, escaped as every query's parameters are (never by hand)."""
    return bind("%(value)s", {"value": value})


def lanes_table(store: ClickHouse, contacts: str, sla: SlaSettings) -> tuple[str, set[str]]:
    """The thresholds of every lane with an arrival, as a ``VALUES`` relation, and the clients
    whose first responses on the asynchronous channels count business time."""
    found = store.query(
        f"SELECT DISTINCT client, arrival.2, arrival.3 FROM {contacts} WHERE has_arrival ORDER BY 1, 2, 3"
    )
    rows, business = [], set()
    for client, queue, channel in found:
        rules = sla.thresholds(client, queue, channel)
        target = rules.first_response_target_us
        timed = not is_synchronous(channel) and target is not None and rules.business_hours is not None
        if timed:
            business.add(client)
        fields = (client, queue, channel, rules.sl_threshold_us, rules.short_abandon_us, target, int(timed))
        rows.append(f"({', '.join(literal(field) for field in fields)})")
    return values(LANE_COLUMNS, rows, "('', '', '', 0, 0, NULL, 0)"), business


def calendar_table(store: ClickHouse, contacts: str, sla: SlaSettings, clients: set[str]) -> str:
    """Each client's open stretches over the days its answered written contacts span (the SLA file's
    opening hours and holidays, in its time zone), as arrays of (open, close) microseconds."""
    rows = []
    spans = store.query(
        f"SELECT client, min(arrival.1), max(replied_us) FROM {contacts} "
        f"WHERE has_arrival AND has_reply AND NOT has({literal(sorted(SYNCHRONOUS))}, arrival.3) "
        "GROUP BY client ORDER BY client"
    )
    for client, first_us, last_us in spans:
        if client not in clients:
            continue
        settings = sla.client(client)
        hours, zone = settings.business_hours, settings.timezone
        assert hours is not None  # a client in ``clients`` has opening hours
        stretches = opening_intervals(local_date(first_us, zone), local_date(last_us, zone), hours, zone)
        opens, closes = [o for o, _ in stretches], [c for _, c in stretches]
        rows.append(f"({literal(client)}, {literal(opens)}, {literal(closes)})")
    return values(CALENDAR_COLUMNS, rows, "('', [], [])")


def values(columns: str, rows: list[str], empty: str) -> str:
    """Rows given as SQL literals, as a relation (an empty one: a row filtered out)."""
    if not rows:
        return f"(SELECT * FROM VALUES({literal(columns)}, {empty}) WHERE 0)"
    return f"(SELECT * FROM VALUES({literal(columns)}, {', '.join(rows)}))"


OLDEST_MAJOR = 22  # VALUES with a structure, tuples in argMin, lambdas over several arrays


def check_version(store: ClickHouse) -> None:
    """Refuse a server too old for the derivation (18.16, the one Debian ships), by name."""
    ((version,),) = store.query("SELECT version()")
    if int(str(version).split(".")[0]) < OLDEST_MAJOR:
        raise SqlEngineError(
            f"ClickHouse {version} is too old for the SQL engine (it needs {OLDEST_MAJOR}.x or newer: "
            "VALUES tables, tuples in argMin, lambdas over several arrays); use the embedded chDB or "
            "--engine python"
        )


@dataclass
class Skipped:
    """What the derivation did not count: each refused message (its number, the contract's
    reason) and each losing content of a conflicting duplicate, as the Python engine reports them."""

    valid: int = 0  # the messages that count: events, and plain duplicates of them
    rejected: list[tuple[int, str]] = field(default_factory=list)


class Derived(NamedTuple):
    vectors: dict[RowKey, Vector]
    events: int  # the contact events read (each counted once per copy)
    skipped: Skipped


def derive_kpi_vectors(
    store: ClickHouse, source: str, sla: SlaSettings | None = None, interval_s: int = INTERVAL_S
) -> dict[RowKey, Vector]:
    """The additive columns of every KPI row, derived by SQL from ``source`` (a relation of
    messages: ``payload``, ``original`` as for ``events.sql``, and their ``line`` numbers), keyed
    as the Python engine keys them."""
    return derive(store, source, sla, interval_s).vectors


_EVENT_COLUMNS = (
    "line, copy, valid, unsure, twice, if(valid AND NOT unsure, '', hex(original)) AS doubt, type, event_id, "
    "client, contact_id, at_us, queue, channel, customer_id, talk_us, hold_us, wrap_us, resolved, csat, nps, "
    "ces, outbound"
)


# events.sql's checks are total functions: run over whole columns, not lazily row by row (the
# setting applies only to the outermost query that reads the step).
WHOLE_COLUMNS = " SETTINGS short_circuit_function_evaluation = 'disable'"


def events_step(source: str) -> str:
    """The messages of ``source`` as events, with the contract's names in place."""
    return step(
        "events",
        source=source,
        types=literal(list(EVENT_TYPES)),
        channels=literal(list(get_args(Channel))),
        states=literal(list(get_args(AgentStateName))),
    )


def _parsed(source: str) -> str:
    """The query of ``source``'s messages as the events table's rows."""
    return f"SELECT {_EVENT_COLUMNS} FROM ({events_step(source)})" + WHOLE_COLUMNS


def derive(
    store: ClickHouse,
    source: str,
    sla: SlaSettings | None = None,
    interval_s: int = INTERVAL_S,
    typed: tuple[str, str | None] | None = None,
) -> Derived:
    """:func:`derive_kpi_vectors`, how many contact events it read (no second pass to count),
    and what it skipped. ``typed``: the same messages as rows of event columns already read from
    their payloads (the archive's, see ``streams.storage.archive_reads.TYPED_EVENTS``), and a
    relation of the lines, payloads and originals of those left to parse (None: none)."""
    sla = sla or SlaSettings()
    check_version(store)
    # The events and the contacts are each read several times: made once, in memory.
    events, table, canon = (f"derive_{name}_{uuid.uuid4().hex}" for name in ("events", "contacts", "canon"))
    rows, others = (None, source) if typed is None else typed
    try:
        _read_events(store, events, rows, others)
        if twice := canonical_forms(store, events):  # a name given twice: read as the contract reads it
            store.execute(f"CREATE TABLE {canon} (original String, payload String) ENGINE = Memory")
            store.insert(canon, CANON_COLUMNS, twice)
            source = read_canonically(source, canon)
            others = None if others is None else read_canonically(others, canon)
            store.execute(f"DROP TABLE {events}")
            _read_events(store, events, rows, others)
        rejected, refused = refusals(store, events)
        skipped = Skipped(rejected=rejected)
        dropped = conflicts(store, source, events, refused, skipped)
        counted = f"(SELECT * FROM {events} WHERE valid{refused}{dropped})"
        ((skipped.valid,),) = store.query(f"SELECT count() FROM {counted}")
        store.execute(f"CREATE TABLE {table} ENGINE = Memory AS {step('contacts', events=counted)}")
        lanes, business = lanes_table(store, table, sla)
        sql = step(
            "kpi_interval",
            contacts=table,
            lanes=lanes,
            calendar=calendar_table(store, table, sla, business),
            interval_s=str(interval_s),
            fcr_window_us=str(FCR_WINDOW_S * US_PER_S),
            synchronous=literal(sorted(SYNCHRONOUS)),
        )
        found = store.query(sql)
        ((read,),) = store.query(f"SELECT sum(events) FROM {table}")
    finally:
        for name in (events, table, canon):
            store.execute(f"DROP TABLE IF EXISTS {name}")
    out: dict[RowKey, Vector] = {}
    for row in found:
        client, queue, channel, start = row[:4]
        out[(client, queue, channel, int(start))] = tuple(int(v) for v in row[4 : 4 + len(COLUMNS)])
    skipped.rejected.sort()
    return Derived(out, int(read or 0), skipped)


def _read_events(store: ClickHouse, events: str, rows: str | None, others: str | None) -> None:
    """The events table: the typed ``rows`` (None: none) and the messages of ``others`` parsed
    (None: none; there are rows then)."""
    first, then = (rows, others) if rows is not None else (_parsed(str(others)), None)
    store.execute(f"CREATE TABLE {events} ENGINE = Memory AS {first}")
    if then is not None:
        store.execute(f"INSERT INTO {events} {_parsed(then)}")


def refusals(store: ClickHouse, events: str) -> tuple[list[tuple[int, str]], str]:
    """The messages the derivation refused or left to the contract models (``unsure``), each
    refused one with the contract's reason (blank lines are no message), and the condition that
    leaves out those it had taken. A message the contract takes but the derivation refused is its
    bug: said."""
    found, taken = [], []
    query = f"SELECT line, valid, copy, event_id, doubt FROM {events} WHERE NOT valid OR unsure ORDER BY line"
    for line, valid, copy, event_id, doubt in store.query(query):
        raw = bytes.fromhex(doubt)  # as hex: a refused message need not be UTF-8
        if not raw.strip():
            continue
        verdict = parse_event(raw)
        if not isinstance(verdict, Rejection):
            if not valid:
                raise SqlEngineError(
                    f"message {line}: the SQL engine refused what the contract takes (a bug): {raw[:200]!r}"
                )
            continue
        found.append((int(line), verdict.reason))
        if valid:
            taken.append(f"({literal(event_id)}, {int(copy)})")
    return found, _left_out(taken)


def conflicts(store: ClickHouse, source: str, events: str, refused: str, skipped: Skipped) -> str:
    """Settle the copies of one event id that differ (read again in full: they are rare); the
    condition that leaves out the losing ones, and their dead letters in ``skipped``."""
    ids = [row[0] for row in store.query(
        f"SELECT event_id FROM {events} WHERE valid{refused} GROUP BY event_id HAVING min(copy) != max(copy)"
    )]  # fmt: skip
    if not ids:
        return ""
    rows = store.query(
        f"SELECT line, copy, unsure, hex(original) FROM ({events_step(source)}) "
        f"WHERE valid AND event_id IN {literal(tuple(ids))}" + WHOLE_COLUMNS
    )
    copies, keys = [], {}
    for line, copy, unsure, payload in rows:
        raw = bytes.fromhex(payload)
        event = parse_event(raw)
        raw = as_received(raw)  # a line's end is not its content (its "\r\n" either)
        if isinstance(event, Rejection):
            if unsure:  # refused by the contract models, and reported so already
                continue
            raise SqlEngineError(f"message {line}: the SQL engine took what the contract refuses (a bug): "
                                 f"{event.reason}")  # fmt: skip
        copies.append(Copy(int(line), raw, event))
        keys[int(line)] = (event.event_id, int(copy))
    settled = settle_copies(copies)
    skipped.rejected += [(copy.number, CONFLICT_REASON) for copy in settled.dead]
    return _left_out(
        [f"({literal(key)}, {copy})" for key, copy in sorted({keys[n] for n in settled.dropped})]
    )


def _left_out(copies: list[str]) -> str:
    """The condition that leaves out the given (event id, copy) literals ("" for none)."""
    if not copies:
        return ""
    return f" AND (event_id, copy) NOT IN {values('event_id String, copy UInt64', copies, '')}"


def file_source(path: Path) -> str:
    """An events file (JSON Lines) as a relation the embedded ClickHouse reads in place: each line
    and its number, from 1 (a "\r\n" end keeps its "\r" here, as the Python engine reads it)."""
    lines = f"file({literal(str(path.resolve()))}, 'LineAsString', 'text String')"
    return f"(SELECT _row_number + 1 AS line, text AS payload, text AS original FROM {lines})"
