"""First-contact resolution: the per-customer rule, and what of a contact it needs.

A handled, resolved inbound contact is a success unless another inbound contact of the same
customer (same client, any channel or queue) arrives after it ended and within the FCR window.
The centre's outbound contacts take no part, either way (kpis.md "Direction").
The live stage two and the batch engine both decide with :func:`resolved_first`.
"""

from __future__ import annotations

import zlib
from bisect import bisect_right

import msgspec

from schemas.sla import FCR_WINDOW_S
from streams.engine.contact_copies import revision_of
from streams.engine.contacts import ContactState
from streams.engine.intervals import US_PER_S
from streams.engine.retention import NEVER

FCR_WINDOW_US = FCR_WINDOW_S * US_PER_S
CustomerKey = tuple[str, str]  # client, customer_id


def customer_partition(client: str, customer_id: str, partitions: int) -> int:
    """Stage two's partition for a customer: stable across processes and restarts."""
    return zlib.crc32(f"{client}\x1f{customer_id}".encode()) % partitions


# What a fact of a later revision replaces.
_VIEW = ("customer_id", "queue", "channel", "arrived_us", "arrived_id", "answered", "abandoned", "ended_us",
         "ended_id", "resolved", "agent_id", "reason", "revision", "outbound")  # fmt: skip


class Fact(msgspec.Struct, array_like=True, gc=False):
    """One contact as stage two sees it (a JSON array on the wire; never part of a cycle)."""

    client: str
    contact_id: str
    customer_id: str
    queue: str
    channel: str
    arrived_us: int
    arrived_id: str
    answered: bool
    abandoned: bool
    ended_us: int | None
    ended_id: str
    resolved: bool
    last_event_us: int
    agent_id: str = ""  # of the first end: agent rows count its FCR (absent from older messages)
    reason: str = ""  # of the first end: reason rows count its FCR
    # How many times a conflicting copy changed what counts (streams.engine.contact_copies): a
    # fact of a later revision replaces what an earlier one said, which may have been taken back.
    revision: int = 0
    # The centre started it (kpis.md "Direction"): never a success, never a repeat of another.
    outbound: bool = False

    @property
    def still_open(self) -> bool:
        """Arrived, neither ended nor abandoned (an email awaiting its answer)."""
        return self.ended_us is None and not self.abandoned

    @property
    def may_succeed(self) -> bool:
        """Inbound, handled and resolved: only such a contact can be a first-contact resolution."""
        return self.answered and self.resolved and self.ended_us is not None and not self.outbound

    def merge(self, other: Fact) -> bool:
        """Take the first arrival and end of both views, and any answer or abandon; a view of a
        later revision replaces this one, one of an earlier revision only moves the last event.

        Return whether what decides FCR (arrival, answer, end) changed.
        """
        if other.revision != self.revision:
            if other.last_event_us > self.last_event_us:
                self.last_event_us = other.last_event_us
            if other.revision < self.revision:
                return False
            decides = (self.arrived_us, self.arrived_id, self.customer_id, self.answered, self.ended_us,
                       self.ended_id, self.resolved, self.abandoned, self.outbound)  # fmt: skip
            for name in _VIEW:
                setattr(self, name, getattr(other, name))
            return decides != (self.arrived_us, self.arrived_id, self.customer_id, self.answered,
                               self.ended_us, self.ended_id, self.resolved, self.abandoned,
                               self.outbound)  # fmt: skip
        changed = False
        if (other.arrived_us, other.arrived_id) < (self.arrived_us, self.arrived_id):
            self.arrived_us, self.arrived_id = other.arrived_us, other.arrived_id
            self.customer_id, self.queue, self.channel = other.customer_id, other.queue, other.channel
            self.outbound = other.outbound
            changed = True
        if other.answered and not self.answered:
            self.answered = changed = True
        if other.ended_us is not None and (
            self.ended_us is None or (other.ended_us, other.ended_id) < (self.ended_us, self.ended_id)
        ):
            self.ended_us, self.ended_id, self.resolved = other.ended_us, other.ended_id, other.resolved
            self.agent_id, self.reason = other.agent_id, other.reason
            changed = True
        self.abandoned = self.abandoned or other.abandoned
        if other.last_event_us > self.last_event_us:
            self.last_event_us = other.last_event_us
        return changed


def adds_to(known: Fact, other: Fact) -> bool:
    """Whether merging ``other`` would change ``known`` at all: a view that adds nothing is one
    already merged (or an older one), e.g. a message that a restored state already holds."""
    probe = msgspec.structs.replace(known)
    probe.merge(other)
    return probe != known


def fact_of(contact: ContactState) -> Fact:
    """The fact of an arrived contact."""
    arrival, ended = contact.arrival, contact.ended
    assert arrival is not None
    return Fact(
        contact.client, contact.contact_id, arrival.customer_id, arrival.queue, arrival.channel,
        arrival.at_us, arrival.event_id, contact.answered is not None, contact.abandoned is not None,
        None if ended is None else ended.at_us, "" if ended is None else ended.event_id,
        ended is not None and ended.resolved, contact.last_event_us,
        "" if ended is None else ended.agent_id, (ended.reason or "") if ended else "",
        revision_of(contact.copies), arrival.outbound,
    )  # fmt: skip


def resolved_first(
    contact_id: str, ended_us: int | None, may_succeed: bool, arrivals: list[tuple[int, str]], window_us: int
) -> bool:
    """The FCR decision for one contact, given the sorted (arrival_us, contact_id) of its customer:
    handled and resolved (``may_succeed``), and no other contact arrived after its end within
    the window."""
    return may_succeed and ended_us is not None and no_repeat(contact_id, ended_us, arrivals, window_us)


def first_contact_resolved(
    contact: ContactState, arrivals: list[tuple[int, str]], window_us: int = FCR_WINDOW_US
) -> bool:
    """:func:`resolved_first` for a whole contact state (the batch engine's view)."""
    ended, arrival = contact.ended, contact.arrival
    if ended is None or arrival is None or arrival.outbound:
        return False
    may_succeed = contact.answered is not None and ended.resolved
    return resolved_first(contact.contact_id, ended.at_us, may_succeed, arrivals, window_us)


def no_repeat(contact_id: str, ended_us: int, arrivals: list[tuple[int, str]], window_us: int) -> bool:
    """Whether no other contact of the customer arrived after this end and within the window."""
    limit = ended_us + window_us
    for index in range(bisect_right(arrivals, (ended_us, "\U0010ffff")), len(arrivals)):  # strictly after
        at_us, other = arrivals[index]
        if at_us > limit:
            break
        if other != contact_id:
            return False
    return True


def fcr_final(fact: Fact, cutoff_us: int, window_us: int = FCR_WINDOW_US) -> bool:
    """Whether no arrival at or after the cutoff can change this contact's FCR any more."""
    return fcr_final_after_us(fact, window_us) < cutoff_us


def fcr_final_after_us(fact: Fact, window_us: int = FCR_WINDOW_US) -> int:
    """The cutoff after which :func:`fcr_final` holds."""
    if not fact.may_succeed:
        return NEVER  # never a success, whatever arrives
    assert fact.ended_us is not None
    return fact.ended_us + window_us
