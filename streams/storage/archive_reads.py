"""The raw archive's reads an audit makes: the events a range's rows depend on (a replay), and
the contacts and events behind one stored row (a drill-down).

Exactly what the range's rows depend on (``streams.replay.relevance``), however late it came:
every event of every contact arriving in the range, and the arrivals of their customers that
can decide their first-contact resolution. The extent of the contacts' events bounds the read
by the table's key, so a short range does not read the whole archive's payloads. The extent
matches contact ids alone, which can only widen it (another client's contact of the same id)
and reads far less than matching the (client, contact) pairs.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from streams.engine.fcr import FCR_WINDOW_US
from streams.engine.intervals import US_PER_S
from streams.storage.backends.protocol import ClickHouse, bind
from streams.storage.schema.migrate import has_column

_ARRIVALS_IN_RANGE = (
    "SELECT {what} FROM raw_events WHERE type = 'contact.arrived' "
    "AND occurred_at >= toDateTime(%(lo)s) AND occurred_at < toDateTime(%(hi)s) {client}"
)
_EXTENT = (
    "SELECT count(), min(occurred_us), max(occurred_us) FROM raw_events WHERE contact_id IN ({contact_ids})"
)
_RELEVANT = (
    "SELECT {columns} FROM raw_events FINAL "
    "WHERE occurred_at >= toDateTime(%(first_s)s) AND occurred_at <= toDateTime(%(last_s)s) "
    "AND (contact_key IN ({contacts}) "
    "OR (type = 'contact.arrived' AND occurred_us >= %(first_us)s AND occurred_us <= %(last_us)s "
    "AND customer_key IN ({customers})))"
)
# Each event's routing keys come along (streams.batch.routing.known_routes), so the workers need
# not read every payload once more to split them.
_READ = (
    "event_id, payload, toInt64(contact_key), "
    "if(type = 'contact.arrived', toInt64(customer_key), toInt64(-1)), "
    "toInt64(cityHash64(event_id))"  # copies of one id are settled over the whole read
)
# The SQL derivation's event columns (streams.storage.sql_derivation), from the typed columns
# ClickHouse filled from each payload at insert (sql/migrations/023_raw_events_fields.sql).
TYPED_EVENTS = (
    "rowNumberInAllBlocks() + 1 AS line, payload_hash AS copy, toUInt8(1) AS valid, toUInt8(0) AS unsure, "
    "toUInt8(0) AS twice, '' AS doubt, type, event_id, client, contact_id, occurred_us AS at_us, queue, "
    "channel, customer_id, talk_us, hold_us, wrap_us, resolved, csat, nps, ces, outbound"
)
_LINES = "rowNumberInAllBlocks() + 1 AS line, payload, payload AS original"
_SHARD_BY = "client, contact_id, type, customer_id, occurred_us, event_id"
EMPTY_RELATION = "(SELECT toUInt64(0) AS line, '' AS payload, '' AS original WHERE 0)"
ShardPart = tuple[int, int]  # part (0-based), parts


def shard_filter(relevant: str) -> str:
    """The rows of ``relevant`` (a query with client, contact_id, type, customer_id, occurred_us
    and event_id columns) whose contact is in shard %(shard)s of %(shards)s: the shard of the
    customer its first arrival names (by occurred_at, then event_id, as the engine picks it)."""
    return (
        f"(client, contact_id) IN (SELECT client, contact_id FROM ({relevant}) "
        "WHERE type = 'contact.arrived' GROUP BY client, contact_id "
        "HAVING modulo(cityHash64(client, argMin(customer_id, (occurred_us, event_id))), %(shards)s) "
        "= %(shard)s)"
    )


class _Range(NamedTuple):
    """What every read of a range's relevant events shares: the subqueries of the contacts that
    arrived in it and of their customers (by the archive's integer keys), and the parameters."""

    sets: dict[str, str]
    params: dict[str, Any]


def _relevant_range(store: ClickHouse, since_s: int, until_s: int, client: str | None) -> _Range | None:
    """The range's relevant events as :data:`_RELEVANT` reads them (None: no contact arrived). The
    keys hash client and id together: a collision of two contacts' keys could only add events of a
    contact arriving outside the range, whose rows are outside it, and arrivals outside its
    contacts' FCR windows, which decide nothing."""
    where_client = "AND client = %(client)s" if client else ""
    contacts = _ARRIVALS_IN_RANGE.format(what="contact_key", client=where_client)
    customers = _ARRIVALS_IN_RANGE.format(what="customer_key", client=where_client)
    contact_ids = _ARRIVALS_IN_RANGE.format(what="contact_id", client=where_client)
    params: dict[str, Any] = {"lo": since_s, "hi": until_s, "client": client}
    [(found, first_us, last_us)] = store.query(_EXTENT.format(contact_ids=contact_ids), params)
    if not found:
        return None
    last_us += FCR_WINDOW_US
    params.update(
        first_us=first_us, last_us=last_us, first_s=first_us // US_PER_S, last_s=last_us // US_PER_S
    )
    return _Range({"contacts": contacts, "customers": customers}, params)


def relevant_query(
    store: ClickHouse, since_s: int, until_s: int, client: str | None, shard: ShardPart | None = None
) -> tuple[str, dict[str, Any]] | None:
    """The query of the archived events the rows of [since, until) depend on (those of one
    shard's contacts, if given), with its parameters (None: no contact arrived in the range).
    Its columns: event id, payload, and the contact, customer and event-id routing keys."""
    found = _relevant_range(store, since_s, until_s, client)
    if found is None:
        return None
    sets, params = found
    read = _RELEVANT.format(columns=_READ, **sets)
    if shard is not None:  # a subquery only then: through one, the read takes a fifth longer
        read += " AND " + shard_filter(_RELEVANT.format(columns=_SHARD_BY, **sets))
        params.update(shard=shard[0], shards=shard[1])
    return read, params


def read_relevant(
    store: ClickHouse, since_s: int, until_s: int, client: str | None, shard: ShardPart | None = None
) -> tuple[tuple[Any, Any], tuple[Any, Any, Any]] | None:
    """The columns of :func:`relevant_query`, packed: (event ids, payloads) as text columns and
    (contact keys, customer keys, event-id keys) as integer arrays; None when nothing arrived."""
    relevant = relevant_query(store, since_s, until_s, client, shard)
    if relevant is None:
        return None
    texts, numbers = store.query_packed(*relevant)
    return (texts[0], texts[1]), (numbers[0], numbers[1], numbers[2])


def relevant_relation(store: ClickHouse, since_s: int, until_s: int, client: str | None) -> str:
    """The same events as a relation with ``line``, ``payload`` and ``original`` columns, for the
    SQL derivation to run where they are."""
    relevant = relevant_query(store, since_s, until_s, client)
    if relevant is None:
        return EMPTY_RELATION
    return f"(SELECT {_LINES} FROM ({bind(*relevant)}))"


def has_typed_fields(store: ClickHouse) -> bool:
    """Whether the archive has the typed columns (not on a server without JSON functions)."""
    return has_column(store, "raw_events", "fields_agree")


def derivation_relations(
    store: ClickHouse, since_s: int, until_s: int, client: str | None
) -> tuple[str, tuple[str, str | None] | None]:
    """What the SQL derivation reads of a range: its events as lines and payloads, and, where the
    archive has the typed columns, the rows whose columns agree with their payload as event
    columns and the lines and payloads of the others to parse (None when there are none, as in
    practice)."""
    if not has_typed_fields(store):
        return relevant_relation(store, since_s, until_s, client), None
    found = _relevant_range(store, since_s, until_s, client)
    if found is None:
        return EMPTY_RELATION, None
    sets, params = found
    ((disagree,),) = store.query(
        "SELECT count() FROM raw_events WHERE occurred_at >= toDateTime(%(first_s)s) "
        "AND occurred_at <= toDateTime(%(last_s)s) AND NOT fields_agree",
        params,
    )

    def rows(columns: str, condition: str) -> str:
        return f"({bind(_RELEVANT.format(columns=columns, **sets), params)} AND ({condition}))"

    others = rows(_LINES, "NOT fields_agree") if disagree else None
    return rows(_LINES, "1"), (rows(TYPED_EVENTS, "fields_agree"), others)


def contacts_in_row(
    store: ClickHouse, columns: tuple[str, ...], client: str, queue: str, start_s: int
) -> list[Any]:
    """The stored contacts that arrived in one row's interval and queue (these columns, then
    the survey's id and scores), in order of arrival."""
    return store.query(
        f"SELECT {', '.join(columns)}, survey_id, csat, nps, ces FROM contacts FINAL "
        "WHERE client = %(client)s AND queue = %(queue)s "
        "AND interval_start = toDateTime(%(start)s) AND arrived_us IS NOT NULL "
        "ORDER BY arrived_us, contact_id",
        {"client": client, "queue": queue, "start": start_s},
    )


def events_of_contacts(store: ClickHouse, client: str, contact_ids: tuple[str, ...]) -> list[Any]:
    """The archived events of these contacts: contact id, time, type, event id and payload."""
    return store.query(
        "SELECT contact_id, occurred_us, type, event_id, payload FROM raw_events FINAL "
        "WHERE client = %(client)s AND contact_id IN %(ids)s ORDER BY contact_id, occurred_us, event_id",
        {"client": client, "ids": contact_ids},
    )
