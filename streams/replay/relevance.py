"""Which events the KPI rows of a time range depend on: the rule replay reads by.

The rows of [since, until) count the contacts that arrived in it, so they depend on every
event of those contacts, whenever it came, and — for first-contact resolution — on the
arrivals of the same customers that can decide it: an arrival counts against a contact only
after its end and within the FCR window, so only arrivals from the earliest event of those
contacts to the window after their latest one. ``cckpi replay`` asks ClickHouse for exactly
this set from the archive, and applies this function to what it reads from Kafka.
"""

from __future__ import annotations

from collections.abc import Sequence

from schemas.wire import ContactArrived, ContactEvent, Event
from streams.engine.fcr import FCR_WINDOW_US


def relevant(events: Sequence[Event], since_us: int, until_us: int, client: str | None) -> list[int]:
    """Indexes of the events the rows of [since, until) (of one client, if given) depend on."""
    contacts: set[tuple[str, str]] = set()
    customers: set[tuple[str, str]] = set()
    for event in events:
        if (
            isinstance(event, ContactArrived)
            and since_us <= event.occurred_us < until_us
            and (client is None or event.client == client)
        ):
            contacts.add((event.client, event.contact_id))
            customers.add((event.client, event.customer_id))
    first, last = _extent(events, contacts)
    keep = []
    for index, event in enumerate(events):
        if not isinstance(event, ContactEvent):
            continue
        if (event.client, event.contact_id) in contacts or (
            isinstance(event, ContactArrived)
            and first <= event.occurred_us <= last + FCR_WINDOW_US
            and (event.client, event.customer_id) in customers
        ):
            keep.append(index)
    return keep


def _extent(events: Sequence[Event], contacts: set[tuple[str, str]]) -> tuple[int, int]:
    """The earliest and latest event time of the given contacts' events."""
    times = [
        e.occurred_us for e in events if isinstance(e, ContactEvent) and (e.client, e.contact_id) in contacts
    ]
    return (min(times), max(times)) if times else (0, -1)
