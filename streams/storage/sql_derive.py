"""A second, independent derivation of the KPI rows: kpis.md written as ClickHouse SQL
(``sql/derive/``, one readable file per step), run where the events are: chDB embedded, or a
current ClickHouse server (it needs ``VALUES``, tuples in ``argMin`` and array lambdas).

It shares no code with the Python engine but the SLA file's resolved thresholds and the
calendar of opening hours they give (email first responses count business time), so the audit
can set one against the other. Its input is valid events (the raw archive holds nothing else).
"""

from __future__ import annotations

import uuid
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple

from schemas.sla import FCR_WINDOW_S, SlaSettings
from streams.engine.business_time import local_date, opening_intervals
from streams.engine.intervals import INTERVAL_S, US_PER_S
from streams.engine.kpi import COLUMNS, Vector
from streams.engine.totals import RowKey
from streams.storage.protocol import ClickHouse, bind

DERIVE = files("sql") / "derive"  # installed with the package (pyproject's package data)
LANE_COLUMNS = (
    "client String, queue String, channel String, sl_threshold_us Int64, short_abandon_us Int64, "
    "first_response_target_us Nullable(Int64), business UInt8"
)
CALENDAR_COLUMNS = "client String, opens Array(Int64), closes Array(Int64)"


class SqlEngineError(ValueError):
    """What the SQL derivation cannot do here, said before anything is counted."""


def step(name: str, **inputs: str) -> str:
    """One file of ``sql/derive`` with its inputs in place (``{name}`` placeholders)."""
    text = (DERIVE / f"{name}.sql").read_text()
    for key, value in inputs.items():
        text = text.replace("{" + key + "}", value)
    return text


def literal(value: object) -> str:
    """A value as an SQL literal, escaped as every query's parameters are (never by hand)."""
    return bind("%(value)s", {"value": value})


def lanes_table(store: ClickHouse, contacts: str, sla: SlaSettings) -> tuple[str, set[str]]:
    """The thresholds of every lane with an arrival, as a ``VALUES`` relation, and the clients
    whose email first responses count business time."""
    found = store.query(
        f"SELECT DISTINCT client, arrival.2, arrival.3 FROM {contacts} WHERE has_arrival ORDER BY 1, 2, 3"
    )
    rows, business = [], set()
    for client, queue, channel in found:
        rules = sla.thresholds(client, queue, channel)
        target = rules.first_response_target_us
        timed = channel == "email" and target is not None and rules.business_hours is not None
        if timed:
            business.add(client)
        fields = (client, queue, channel, rules.sl_threshold_us, rules.short_abandon_us, target, int(timed))
        rows.append(f"({', '.join(literal(field) for field in fields)})")
    return values(LANE_COLUMNS, rows, "('', '', '', 0, 0, NULL, 0)"), business


def calendar_table(store: ClickHouse, contacts: str, sla: SlaSettings, clients: set[str]) -> str:
    """Each client's open stretches over the days its answered emails span (the SLA file's
    opening hours and holidays, in its time zone), as arrays of (open, close) microseconds."""
    rows = []
    spans = store.query(
        f"SELECT client, min(arrival.1), max(replied_us) FROM {contacts} "
        "WHERE has_arrival AND has_reply AND arrival.3 = 'email' GROUP BY client ORDER BY client"
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


class Derived(NamedTuple):
    vectors: dict[RowKey, Vector]
    events: int  # the contact events read (each counted once per copy)


def derive_kpi_vectors(
    store: ClickHouse, source: str, sla: SlaSettings | None = None, interval_s: int = INTERVAL_S
) -> dict[RowKey, Vector]:
    """The additive columns of every KPI row, derived by SQL from ``source`` (a relation with
    a ``payload`` column of events), keyed as the Python engine keys them."""
    return derive(store, source, sla, interval_s).vectors


def derive(
    store: ClickHouse, source: str, sla: SlaSettings | None = None, interval_s: int = INTERVAL_S
) -> Derived:
    """:func:`derive_kpi_vectors`, and how many contact events it read (no second pass to count)."""
    sla = sla or SlaSettings()
    check_version(store)
    events = f"({step('events', source=source)})"
    # The contacts are read three times (lanes, rows, customers' arrivals): made once, in memory.
    table = f"derive_contacts_{uuid.uuid4().hex}"
    store.execute(f"CREATE TABLE {table} ENGINE = Memory AS {step('contacts', events=events)}")
    try:
        lanes, business = lanes_table(store, table, sla)
        sql = step(
            "kpi_interval",
            contacts=table,
            lanes=lanes,
            calendar=calendar_table(store, table, sla, business),
            interval_s=str(interval_s),
            fcr_window_us=str(FCR_WINDOW_S * US_PER_S),
        )
        found = store.query(sql)
        ((events,),) = store.query(f"SELECT sum(events) FROM {table}")
    finally:
        store.execute(f"DROP TABLE IF EXISTS {table}")
    out: dict[RowKey, Vector] = {}
    for row in found:
        client, queue, channel, start = row[:4]
        out[(client, queue, channel, int(start))] = tuple(int(v) for v in row[4 : 4 + len(COLUMNS)])
    return Derived(out, int(events or 0))


def unreadable(store: ClickHouse, source: str) -> tuple[int, int]:
    """How many lines of an events file the SQL engine cannot read as events (not JSON, no type
    or event id, no RFC 3339 time), and the number of the first; blank lines are skipped. The
    contract's full checks are the Python engine's, which says why for each line."""
    ((count, first),) = store.query(
        "SELECT countIf(bad), minIf(line, bad) FROM (SELECT rowNumberInAllBlocks() + 1 AS line, "
        "payload != '' AND (NOT isValidJSON(payload) OR JSONExtractString(payload, 'type') = '' "
        "OR JSONExtractString(payload, 'event_id') = '' OR parseDateTime64BestEffortOrNull("
        f"JSONExtractString(payload, 'occurred_at'), 6, 'UTC') IS NULL) AS bad FROM {source})"
    )
    return int(count), int(first)


def file_source(path: Path) -> str:
    """An events file (JSON Lines) as a relation the embedded ClickHouse reads in place."""
    return f"(SELECT line AS payload FROM file({literal(str(path.resolve()))}, 'LineAsString'))"
