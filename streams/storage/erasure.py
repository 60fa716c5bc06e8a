"""Erasing customers from every stored table (events.md, "Personal data").

Three tables hold a customer's id or words: the raw archive (its column and the payload), the
contacts (the column and the spare arrivals) and the dead letters (the bytes as received).
Each changed row is written again in its erased form, then the old form is deleted: a
``ReplacingMergeTree`` keeps one row per key, and the rows never vanish in between. The other
tables hold no customer (KPI rows, replays, late events, agents), nor do the client databases
(their views hold KPI, target and reason rows).

The new rows are made by ``INSERT ... SELECT`` from the stored ones, so every other column
keeps its stored value and type; the erased payloads travel as one array per statement.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from streams.engine.pseudonyms import erased_event
from streams.storage.backends.cluster import local_table
from streams.storage.backends.protocol import ClickHouse
from streams.storage.schema.tables import spares_of, spares_text

CHUNK_BYTES = 64 * 1024  # of erased values per statement: under 18.16's 256 KiB max_query_size
IDS_PER_QUERY = 500
MUTATION_WAIT_S = 300.0
FENCE_AFTER_S = 3.0


class ErasureError(RuntimeError):
    """A deletion ClickHouse did not finish: the erased rows are written, the old ones not gone."""


@dataclass(frozen=True)
class ErasedRows:
    """How many rows an erasure rewrote, per table; never whose."""

    customers: int
    raw_events: int = 0
    contacts: int = 0
    dead_letters: int = 0

    @property
    def total(self) -> int:
        return self.raw_events + self.contacts + self.dead_letters

    def __add__(self, other: ErasedRows) -> ErasedRows:
        return ErasedRows(self.customers + other.customers, self.raw_events + other.raw_events,
                          self.contacts + other.contacts, self.dead_letters + other.dead_letters)  # fmt: skip


def erase_customers(
    store: ClickHouse,
    client: str,
    names: Mapping[str, str],
    reason: str = "request",
    contacts: set[str] | None = None,
) -> ErasedRows:
    """Replace each customer id of ``names`` (id -> pseudonym) in the client's stored rows, drop
    their comments and extra fields, and record that it happened (when, how many rows). With
    ``contacts``, only those contacts of theirs (the retention of personal data)."""
    by_customer = contacts is None
    if contacts is None:
        contacts = set()
        for chunk in _chunks(sorted(names)):
            for table in ("raw_events", "contacts"):
                found = store.query(
                    f"SELECT DISTINCT contact_id FROM {table} "
                    "WHERE client = %(client)s AND customer_id IN %(ids)s",
                    {"client": client, "ids": tuple(chunk)},
                )
                contacts.update(r[0] for r in found)
    erased = ErasedRows(
        customers=len(names),
        raw_events=_erase_archive(store, client, names, sorted(contacts), by_customer),
        contacts=_erase_contacts(store, client, names, sorted(contacts)),
        dead_letters=_erase_dead_letters(store, client, names, contacts) if by_customer else 0,
    )
    store.insert(
        "erasures",
        ("erased_at", "client", "reason", "customers", "raw_events", "contacts", "dead_letters"),
        [[int(time.time()), client, reason, erased.customers, erased.raw_events, erased.contacts,
          erased.dead_letters]],
    )  # fmt: skip
    return erased


def reporting_workers(store: ClickHouse, within_s: int) -> list[str]:
    """The workers that sampled their lag within the last ``within_s`` seconds: running, with a
    live state that names customers too."""
    rows = store.query(
        "SELECT DISTINCT worker FROM pipeline_lag WHERE observed_at > now() - %(s)s", {"s": within_s}
    )
    return sorted(str(r[0]) for r in rows)


def _erase_archive(
    store: ClickHouse, client: str, names: Mapping[str, str], contacts: list[str], by_customer: bool
) -> int:
    """The archived events of the contacts, and (``by_customer``) any other naming the customers."""
    changed: dict[int, str] = {}
    naming = "customer_id IN %(ids)s OR " if by_customer else ""
    for ids, owned in _pairs(sorted(names) if by_customer else [], contacts):
        for payload, digest in store.query(
            "SELECT payload, cityHash64(payload) FROM raw_events WHERE client = %(client)s "
            f"AND ({naming}contact_id IN %(contacts)s)",
            {"client": client, "ids": ids, "contacts": owned},
        ):
            erased = erased_event(payload, names).decode()
            if erased != payload:
                changed[int(digest)] = erased
    scope = "client = %(client)s AND "
    _rewrite(store, "raw_events", "payload", changed, names, scope, {"client": client})
    return len(changed)


def _erase_contacts(store: ClickHouse, client: str, names: Mapping[str, str], contacts: list[str]) -> int:
    """The customers' contact rows: their id, and the spare arrivals that name them."""
    changed: dict[int, str] = {}
    found = 0
    for chunk in _chunks(contacts):
        for customer, spares, digest in store.query(
            "SELECT customer_id, spares, cityHash64(spares) FROM contacts "
            "WHERE client = %(client)s AND contact_id IN %(contacts)s",
            {"client": client, "contacts": tuple(chunk)},
        ):
            erased = _erased_spares(spares, names)
            if erased != spares:
                changed[int(digest)] = erased
            found += customer in names or erased != spares
    if not contacts:
        return 0
    scope = "client = %(client)s AND contact_id IN %(contacts)s AND "
    params = {"client": client, "contacts": tuple(contacts)}
    _rewrite(store, "contacts", "spares", changed, names, scope, params, keyed_by_names=True)
    return found


def _erased_spares(text: str, names: Mapping[str, str]) -> str:
    """A contact's spare events with each arrival naming an erased customer renamed."""
    if not text or not any(old in text for old in names):
        return text
    spares = []
    for kind, value in spares_of(text):
        customer = getattr(value, "customer_id", None)
        if isinstance(customer, str) and customer in names:
            value = type(value)(**{**_fields(value), "customer_id": names[customer]})
        spares.append((kind, value))
    return spares_text(tuple(spares))


def _fields(value: Any) -> dict[str, Any]:
    return {name: getattr(value, name) for name in value.__struct_fields__}


def _erase_dead_letters(store: ClickHouse, client: str, names: Mapping[str, str], contacts: set[str]) -> int:
    """Rejected messages that name an erased customer, or (in the client's own events) their
    contacts: kept as received otherwise, so their bytes are searched, then read."""
    changed: dict[int, str] = {}
    needles = [*sorted(names), *(orjson.dumps(c).decode() for c in sorted(contacts))]
    for chunk in _chunks(needles, 100):
        found = " OR ".join(f"position(payload, %(n{i})s) > 0" for i in range(len(chunk)))
        params = {f"n{i}": needle for i, needle in enumerate(chunk)}
        for payload, digest in store.query(
            f"SELECT payload, cityHash64(payload) FROM dead_letters WHERE {found}", params
        ):
            erased = _erased_letter(payload, client, names, contacts)
            if erased != payload:
                changed[int(digest)] = erased
    _rewrite(store, "dead_letters", "payload", changed, names, "", {}, renames_customer=False)
    return len(changed)


def _erased_letter(payload: str, client: str, names: Mapping[str, str], contacts: set[str]) -> str:
    try:
        body = orjson.loads(payload)
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict) and body.get("client") != client:
        return payload  # another client's message: its ids are its own
    if (
        isinstance(body, dict)
        and body.get("customer_id") not in names
        and body.get("contact_id") not in contacts
    ):
        return payload
    return erased_event(payload, names).decode(errors="replace")


def _rewrite(
    store: ClickHouse,
    table: str,
    column: str,
    changed: dict[int, str],
    names: Mapping[str, str],
    scope: str,
    params: dict[str, Any],
    keyed_by_names: bool = False,
    renames_customer: bool = True,
) -> None:
    """Write ``table``'s rows (within ``scope``) again with ``column`` replaced, found by the
    digest of its stored value, and (``renames_customer``) the ``customer_id`` column renamed;
    then delete the rows in their old form. ``keyed_by_names``: rows are also found by their
    customer id, for the rows whose ``column`` needs no change."""
    old, new = sorted(names), [names[k] for k in sorted(names)]
    columns = [r[0] for r in store.query(f"DESCRIBE TABLE {table}") if not r[2]]  # stored, not computed
    digests = sorted(changed)
    batches = list(_sized(digests, changed))
    if keyed_by_names:  # then the rows whose own value is unchanged but whose customer is renamed
        batches.append([])
    for batch in batches:
        swaps = (
            {"customer_id": "transform(customer_id, %(old)s, %(new)s, customer_id)"}
            if renames_customer
            else {}
        )
        if batch:
            swaps[column] = f"transform(cityHash64({column}), %(digests)s, %(values)s, {column})"
        select = ", ".join(swaps.get(c, c) for c in columns)
        which = f"cityHash64({column}) IN %(digest_set)s" if batch else "customer_id IN %(old_set)s"
        values = [changed[d] for d in batch]
        bound = {**params, "digests": batch, "digest_set": tuple(batch), "values": values,
                 "old": old, "new": new, "old_set": tuple(old)}  # fmt: skip
        store.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM {table} "
                      f"WHERE {scope}{which}", bound)  # fmt: skip
    if batches:
        gone = f"cityHash64({column}) IN %(digest_set)s" if digests else "0"
        if keyed_by_names:
            gone = f"({gone} OR customer_id IN %(old_set)s)"
        _delete(store, table, scope + gone, {**params, "digest_set": tuple(digests), "old_set": tuple(old)})


def _delete(store: ClickHouse, table: str, where: str, params: dict[str, Any]) -> None:
    """An ``ALTER ... DELETE`` (on a cluster, of every server's local table), waited for."""
    local = table
    if store.cluster:
        local = local_table(table)
        store.execute(f"ALTER TABLE {local} ON CLUSTER {store.cluster} DELETE WHERE {where}", params)
    else:
        store.execute(f"ALTER TABLE {table} DELETE WHERE {where}", params)
    started = time.monotonic()
    fenced = started
    while _pending(store, local):
        now = time.monotonic()
        if now - started > MUTATION_WAIT_S:
            raise ErasureError(f"ClickHouse did not finish deleting the old rows of {table} "
                               f"in {MUTATION_WAIT_S:.0f} s")  # fmt: skip
        if store.cluster and now - fenced > FENCE_AFTER_S:
            # 18.16 does not mutate a replicated table's part last inserted with a quorum until
            # another such insert comes: a copy of a row that stays (replaced by key, as every
            # repeated write here) lets the deletion through. A replicated table drops a block it
            # has seen (the same row copied again, or a one-row rewrite just above), so this one
            # is not deduplicated.
            store.execute(f"INSERT INTO {table} SELECT * FROM {table} WHERE NOT ({where}) LIMIT 1", params,
                          settings={"insert_deduplicate": 0})  # fmt: skip
            fenced = now
        time.sleep(0.05)


def _pending(store: ClickHouse, table: str) -> int:
    """The mutations of ``table`` not yet done on this server."""
    rows = store.query(
        "SELECT count() FROM system.mutations "
        "WHERE database = currentDatabase() AND table = %(t)s AND is_done = 0",
        {"t": table},
    )
    return int(rows[0][0])


def _chunks(items: Sequence[str], size: int = IDS_PER_QUERY) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _pairs(ids: list[str], contacts: list[str]) -> Iterator[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Both lists in chunks, side by side (an empty tuple matches nothing)."""
    for start in range(0, max(len(ids), len(contacts)), IDS_PER_QUERY):
        end = start + IDS_PER_QUERY
        yield tuple(ids[start:end]) or ("",), tuple(contacts[start:end]) or ("",)


def _sized(digests: list[int], values: dict[int, str]) -> Iterator[list[int]]:
    """The digests in batches whose new values stay under :data:`CHUNK_BYTES` together."""
    batch: list[int] = []
    size = 0
    for digest in digests:
        length = len(values[digest]) * 2  # escaped, roughly
        if batch and size + length > CHUNK_BYTES:
            yield batch
            batch, size = [], 0
        batch.append(digest)
        size += length
    if batch:
        yield batch
