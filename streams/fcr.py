"""Stage two of the engine: first-contact resolution, which needs every contact of a customer.

A handled, resolved contact is a success unless another contact of the same customer
(same client, any channel or queue) arrives after it ended and within the FCR window.
"""

from __future__ import annotations

from bisect import bisect_right

from schemas.sla import FCR_WINDOW_S
from streams.contacts import ContactState, merge_state
from streams.intervals import interval_start
from streams.kpi import Vector, fcr_vector
from streams.retention import Horizon, LateEvent, Retention
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


def fcr_final(contact: ContactState, cutoff_us: int, window_us: int = FCR_WINDOW_US) -> bool:
    """Whether no arrival at or after the cutoff can change this contact's FCR any more."""
    ended = contact.ended
    if ended is None or not ended.resolved or contact.answered is None:
        return True  # never a success, whatever arrives
    return ended.at_us + window_us < cutoff_us


class FcrBook:
    """FCR facts of the customers of one partition, and the FCR rows they add up to.

    With a retention, a fact is evicted once it is quiet and its FCR is final; the arrivals
    of evicted facts stay (in ``past_arrivals``) while a live contact may still need them.
    A fact for an evicted contact, or a new one that arrived before the cutoff, is late.
    """

    def __init__(
        self,
        window_us: int = FCR_WINDOW_US,
        grains: tuple[int, ...] = GRAINS,
        retention: Retention | None = None,
    ) -> None:
        self.window_us = window_us
        self.facts: dict[ContactKey, ContactState] = {}
        self.customers: dict[CustomerKey, set[ContactKey]] = {}
        self.past_arrivals: dict[CustomerKey, list[tuple[int, str]]] = {}
        self.counted: dict[ContactKey, tuple[Anchor, Vector]] = {}
        self.totals = RowTotals(grains)
        self.horizon = Horizon(retention)
        self._one = fcr_vector()
        self._pending: set[CustomerKey] = set()

    def apply(self, fact: ContactState, restoring: bool = False) -> bool:
        """Merge what stage one knows of a contact; :meth:`settle` re-decides its customer."""
        arrival = fact.arrival
        if arrival is None:
            return False
        key = (fact.client, fact.contact_id)
        horizon = self.horizon  # its watermark is set by the stage (the slowest source's)
        known = self.facts.get(key)
        if known is None and not restoring:
            if key in horizon.evicted:
                self._late(fact, "contact evicted from live FCR state")
                return False
            if arrival.at_us < horizon.cutoff_us:
                self._late(fact, "arrival older than the live retention")
                return False
        if known is None:
            self.facts[key] = fact  # the book owns the facts it is given
        else:  # most facts only move the last event (kept for eviction): nothing to re-decide
            arrival, answered, ended = known.arrival, known.answered, known.ended
            merge_state(known, fact)
            if known.arrival is arrival and known.answered is answered and known.ended is ended:
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

    def _late(self, fact: ContactState, reason: str) -> None:
        arrival = fact.arrival
        assert arrival is not None
        self.horizon.late.append(LateEvent(fact.client, fact.contact_id, arrival.event_id, "fcr.fact",
                                   fact.last_event_us, reason))  # fmt: skip

    def _decide(self, customer: CustomerKey) -> None:
        members = [self.facts[key] for key in self.customers[customer]]
        arrivals = [(m.arrival.at_us, m.contact_id) for m in members if m.arrival]
        arrivals = sorted(arrivals + self.past_arrivals.get(customer, []))
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

    def sweep(self) -> None:
        """Evict facts that are quiet and final, then rows no live fact is anchored in.

        Call it after the book's rows are taken. A live fact's FCR depends only on arrivals
        after its own arrival, and a new fact is accepted only from the cutoff on, so past
        arrivals older than both can go.
        """
        horizon = self.horizon
        if not horizon.due():
            return
        cutoff = horizon.cutoff_us
        gone: list[ContactState] = []
        live: set[int] = set()
        oldest_live = cutoff
        for fact in self.facts.values():
            arrival = fact.arrival
            assert arrival is not None
            if horizon.quiet(fact) and fcr_final(fact, cutoff, self.window_us):
                gone.append(fact)
            else:
                live.add(interval_start(arrival.at_us))
                oldest_live = min(oldest_live, arrival.at_us)
        for fact in gone:
            arrival = fact.arrival
            assert arrival is not None
            key = (fact.client, fact.contact_id)
            customer = (fact.client, arrival.customer_id)
            del self.facts[key]
            self.counted.pop(key, None)
            members = self.customers[customer]
            members.discard(key)
            if not members:
                del self.customers[customer]
            self.past_arrivals.setdefault(customer, []).append((arrival.at_us, fact.contact_id))
            horizon.forget(key)
        for customer in list(self.past_arrivals):
            kept = [a for a in self.past_arrivals[customer] if a[0] >= oldest_live]
            if kept:
                self.past_arrivals[customer] = kept
            else:
                del self.past_arrivals[customer]
        self.totals.evict_ended(cutoff, live)
        horizon.swept()
