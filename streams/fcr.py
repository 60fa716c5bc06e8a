"""Stage two of the engine: first-contact resolution, which needs every contact of a customer.

A handled, resolved contact is a success unless another contact of the same customer
(same client, any channel or queue) arrives after it ended and within the FCR window.
"""

from __future__ import annotations

from bisect import bisect_right

from schemas.sla import FCR_WINDOW_S
from streams.contacts import ContactState, merge_state
from streams.kpi import Vector, fcr_vector
from streams.totals import GRAINS, Anchor, RowTotals

FCR_WINDOW_US = FCR_WINDOW_S * 1_000_000
CustomerKey = tuple[str, str]  # client, customer_id
ContactKey = tuple[str, str]  # client, contact_id


def first_contact_resolved(
    contact: ContactState, arrivals: list[tuple[int, str]], window_us: int = FCR_WINDOW_US
) -> bool:
    """Decide FCR for one contact, given the sorted (arrival_us, contact_id) of its customer."""
    ended = contact.ended
    if contact.arrival is None or contact.answered is None or ended is None or not ended.resolved:
        return False
    start = bisect_right(arrivals, (ended.at_us, "\U0010ffff"))  # strictly after the end
    limit = ended.at_us + window_us
    for at_us, contact_id in arrivals[start:]:
        if at_us > limit:
            break
        if contact_id != contact.contact_id:
            return False
    return True


class FcrBook:
    """FCR facts of the customers of one partition, and the FCR rows they add up to."""

    def __init__(self, window_us: int = FCR_WINDOW_US, grains: tuple[int, ...] = GRAINS) -> None:
        self.window_us = window_us
        self.facts: dict[ContactKey, ContactState] = {}
        self.customers: dict[CustomerKey, set[ContactKey]] = {}
        self.counted: dict[ContactKey, tuple[Anchor, Vector]] = {}
        self.totals = RowTotals(grains)
        self._one = fcr_vector()
        self._pending: set[CustomerKey] = set()

    def apply(self, fact: ContactState) -> bool:
        """Merge what stage one knows of a contact; :meth:`settle` re-decides its customer."""
        if fact.arrival is None:
            return False
        key = (fact.client, fact.contact_id)
        known = self.facts.get(key)
        if known is None:
            self.facts[key] = fact  # the book owns the facts it is given
        elif not merge_state(known, fact):
            return False
        arrival = self.facts[key].arrival
        assert arrival is not None
        # Its row is written even when no contact in it succeeds: it may hold an old count.
        self.totals.touch((fact.client, arrival.queue, arrival.channel, arrival.at_us))
        customer = (fact.client, arrival.customer_id)
        self.customers.setdefault(customer, set()).add(key)
        self._pending.add(customer)
        return True

    def settle(self) -> None:
        """Decide FCR once for every customer touched since the last settle."""
        for customer in self._pending:
            self._decide(customer)
        self._pending.clear()

    def _decide(self, customer: CustomerKey) -> None:
        members = [self.facts[key] for key in self.customers[customer]]
        arrivals = sorted((m.arrival.at_us, m.contact_id) for m in members if m.arrival)
        for member in members:
            key = (member.client, member.contact_id)
            new = None
            if first_contact_resolved(member, arrivals, self.window_us):
                arrival = member.arrival
                assert arrival is not None
                anchor = (member.client, arrival.queue, arrival.channel, arrival.at_us)
                new = (anchor, self._one)
            old = self.counted.get(key)
            if old != new:
                self.totals.replace(old, new)
                if new is None:
                    self.counted.pop(key)
                else:
                    self.counted[key] = new
