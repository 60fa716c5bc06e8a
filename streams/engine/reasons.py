"""Rows by wrap-up reason (kpis.md): the additive columns per (client, queue, channel, reason,
interval_start), for handled contacts whose end carries a reason."""

from __future__ import annotations

from streams.engine.contacts import ContactState
from streams.engine.intervals import interval_start
from streams.engine.kpi import HANDLED, Vector

ReasonKey = tuple[str, str, str, str, int]  # client, queue, channel, reason, interval_start


def reason_part(contact: ContactState, vector: Vector, interval_s: int) -> tuple[ReasonKey, Vector] | None:
    """The reason row a contact counts in, with its contribution (FCR aside), or None."""
    ended, arrival = contact.ended, contact.arrival
    if not vector[HANDLED] or ended is None or arrival is None or not ended.reason:
        return None
    start = interval_start(arrival.at_us, interval_s)
    return (contact.client, arrival.queue, arrival.channel, ended.reason, start), vector
