"""The engine over a whole set of events at once, for ``cckpi compute`` and replay.

The same rules as the stream (``ContactState.apply``, ``contribution``,
``first_contact_resolved``), driven without the change tracking and retractions a
stream needs: every contact is merged first and counted once at the end.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from schemas.sla import SlaSettings
from schemas.wire import AgentState, ContactEvent
from streams.engine.contacts import ContactKey, ContactState
from streams.engine.contributions import FCR, WIDTH, ThresholdLookup, contribution
from streams.engine.fcr import FCR_WINDOW_US, first_contact_resolved
from streams.engine.intervals import INTERVAL_S, interval_start
from streams.engine.totals import RowKey, add_into

Rows = dict[RowKey, list[int]]


def merge_contacts(events: Iterable[ContactEvent | AgentState]) -> dict[ContactKey, ContactState]:
    """Every contact's state after all of its events (agent states count for nothing here)."""
    contacts: dict[ContactKey, ContactState] = {}
    get = contacts.get
    for event in events:
        if isinstance(event, AgentState):
            continue
        key = (event.client, event.contact_id)
        contact = get(key)
        if contact is None:
            contact = contacts[key] = ContactState(event.client, event.contact_id)
        contact.apply(event)
    return contacts


def count_rows(contacts: Iterable[ContactState], thresholds: ThresholdLookup, interval_s: int) -> Rows:
    """Sum every contact's contribution into its arrival row (FCR column left at zero)."""
    rows: Rows = {}
    for contact in contacts:
        vector = contribution(contact, thresholds)
        if vector is None:
            continue
        arrival = contact.arrival
        assert arrival is not None
        start = interval_start(arrival.at_us, interval_s)
        add_into(rows, (contact.client, arrival.queue, arrival.channel, start), vector)
    return rows


def fcr_successes(contacts: Iterable[ContactState], window_us: int = FCR_WINDOW_US) -> list[ContactState]:
    """The first-contact resolutions among ``contacts``, deciding each customer once."""
    customers: dict[tuple[str, str], list[ContactState]] = {}
    for contact in contacts:
        arrival = contact.arrival
        if arrival is not None:
            customers.setdefault((contact.client, arrival.customer_id), []).append(contact)
    successes = []
    for members in customers.values():
        candidates = [m for m in members if m.ended is not None and m.ended.resolved and m.answered]
        if not candidates:
            continue
        inbound = [m for m in members if m.arrival and not m.arrival.outbound]  # outbound is never a repeat
        arrivals = sorted((m.arrival.at_us, m.contact_id) for m in inbound if m.arrival)
        successes += [m for m in candidates if first_contact_resolved(m, arrivals, window_us)]
    return successes


def count_fcr(
    contacts: Iterable[ContactState], rows: Rows, interval_s: int, window_us: int = FCR_WINDOW_US
) -> None:
    """Add first-contact resolutions to ``rows``."""
    for member in fcr_successes(contacts, window_us):
        arrival = member.arrival
        assert arrival is not None
        start = interval_start(arrival.at_us, interval_s)
        rows.setdefault((member.client, arrival.queue, arrival.channel, start), [0] * WIDTH)[FCR] += 1


def batch_rows(
    events: Iterable[ContactEvent | AgentState], thresholds: ThresholdLookup, interval_s: int
) -> tuple[dict[ContactKey, ContactState], Rows]:
    """Both stages over a whole set of events: the contacts, and the row vectors."""
    contacts = merge_contacts(events)
    rows = count_rows(contacts.values(), thresholds, interval_s)
    count_fcr(contacts.values(), rows, interval_s)
    return contacts, rows


def arrival_rows(
    contacts: dict[ContactKey, ContactState], interval_s: int = INTERVAL_S
) -> dict[ContactKey, RowKey]:
    """The row each arrived contact counts in: what an audit needs to find a row's inputs."""
    return {
        key: (c.client, c.arrival.queue, c.arrival.channel, interval_start(c.arrival.at_us, interval_s))
        for key, c in contacts.items()
        if c.arrival is not None
    }


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic GC: a batch builds millions of objects and no cycles, and the
    collector's passes over them took more time than the KPI work."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run_engine(
    events: Iterable[ContactEvent | AgentState], sla: SlaSettings, interval_s: int = INTERVAL_S
) -> tuple[dict[ContactKey, ContactState], Rows]:
    """Both engine stages over a whole set of events: the contacts, and the row vectors.
    Callers hold the GC paused around it (see :func:`gc_paused`)."""
    return batch_rows(events, sla.thresholds, interval_s)
