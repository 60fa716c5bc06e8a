"""``cckpi audit contacts``: the contacts and raw events behind one KPI row (drill-down)."""

from __future__ import annotations

from typing import Any

from streams.storage.protocol import ClickHouse


def contacts_behind(store: ClickHouse, client: str, queue: str, interval_s: int) -> list[dict[str, Any]]:
    """Contacts that arrived in the row's interval and queue, each with its raw events."""
    contacts = store.query(
        "SELECT contact_id, channel, customer_id, arrived_us, answered_us, abandoned_us, ended_us, resolved "
        "FROM contacts FINAL WHERE client = %(client)s AND queue = %(queue)s "
        "AND interval_start = toDateTime(%(start)s) AND arrived_us IS NOT NULL "
        "ORDER BY arrived_us, contact_id",
        {"client": client, "queue": queue, "start": interval_s},
    )
    if not contacts:
        return []
    ids = tuple(row[0] for row in contacts)
    events: dict[str, list[dict[str, Any]]] = {contact_id: [] for contact_id in ids}
    for contact_id, occurred_us, kind, event_id, payload in store.query(
        "SELECT contact_id, occurred_us, type, event_id, payload FROM raw_events FINAL "
        "WHERE client = %(client)s AND contact_id IN %(ids)s ORDER BY contact_id, occurred_us, event_id",
        {"client": client, "ids": ids},
    ):
        events[contact_id].append({"occurred_us": occurred_us, "type": kind, "event_id": event_id,
                                   "payload": payload})  # fmt: skip
    names = ("contact_id", "channel", "customer_id", "arrived_us", "answered_us", "abandoned_us", "ended_us",
             "resolved")  # fmt: skip
    return [{**dict(zip(names, row, strict=True)), "events": events[row[0]]} for row in contacts]
