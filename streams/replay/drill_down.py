"""``cckpi audit contacts``: the contacts and raw events behind one KPI row (drill-down).

The customer's survey comment is personal data: it appears here, in the drill-down of the
client's own rows, and in the raw archive, never in a KPI table or a shared dashboard.
"""

from __future__ import annotations

from typing import Any

import orjson

from streams.storage.archive_reads import contacts_in_row, events_of_contacts
from streams.storage.backends.protocol import ClickHouse

NAMES = ("contact_id", "channel", "customer_id", "arrived_us", "answered_us", "abandoned_us", "ended_us",
         "resolved", "transferred_us", "agent_id", "reason")  # fmt: skip
STORED_AS = tuple("ended_agent" if name == "agent_id" else name for name in NAMES)  # contacts table columns


def contacts_behind(store: ClickHouse, client: str, queue: str, interval_s: int) -> list[dict[str, Any]]:
    """Contacts that arrived in the row's interval and queue, each with its raw events."""
    contacts = contacts_in_row(store, STORED_AS, client, queue, interval_s)
    if not contacts:
        return []
    ids = tuple(row[0] for row in contacts)
    events: dict[str, list[dict[str, Any]]] = {contact_id: [] for contact_id in ids}
    for contact_id, occurred_us, kind, event_id, payload in events_of_contacts(store, client, ids):
        events[contact_id].append({"occurred_us": occurred_us, "type": kind, "event_id": event_id,
                                   "payload": payload})  # fmt: skip
    width = len(NAMES)
    return [{**dict(zip(NAMES, row[:width], strict=True)), "survey": survey(row[width:], events[row[0]]),
             "events": events[row[0]]} for row in contacts]  # fmt: skip


def survey(values: tuple[Any, ...], events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The survey that counts (the latest answer), with the customer's comment from its raw event."""
    survey_id, csat, nps, ces = values
    if not survey_id:
        return None
    raw = next((e["payload"] for e in events if e["event_id"] == survey_id), None)
    comment = orjson.loads(raw).get("comment") if raw else None
    return {"csat": csat, "nps": nps, "ces": ces, "comment": comment}
