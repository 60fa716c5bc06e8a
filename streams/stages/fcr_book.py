"""Stage two's state: the FCR facts of a partition's customers, and the rows they add up to."""

from __future__ import annotations

import heapq

from streams.engine.contacts import ContactKey
from streams.engine.expiry import Anchored, Expiry
from streams.engine.fcr import (
    FCR_WINDOW_US,
    CustomerKey,
    Fact,
    adds_to,
    fcr_final,
    fcr_final_after_us,
    resolved_first,
)
from streams.engine.intervals import INTERVAL_S, interval_start
from streams.engine.reasons import reason_lane
from streams.engine.retention import Horizon, LateEvent, Retention
from streams.engine.totals import GRAINS, Anchor, RowTotals

FCR_COLUMNS = ("fcr_success",)  # what stage two's rows hold
ONE = (1,)  # one first-contact resolution
Where = tuple[Anchor, Anchor | None, Anchor | None]  # a success's KPI, reason and agent rows


def rows_of(fact: Fact) -> Where:
    """The KPI row a fact counts in, and its reason row and agent row where it has them."""
    at = fact.arrived_us
    reason = (fact.client, fact.queue, reason_lane(fact.channel, fact.reason), at) if fact.reason else None
    agent = (fact.client, fact.queue, fact.agent_id, at) if fact.agent_id else None
    return (fact.client, fact.queue, fact.channel, at), reason, agent


class FcrBook:
    """FCR facts of the customers of one partition, and the FCR rows they add up to.

    With a retention, a fact is evicted once it is quiet and its FCR is final; the arrivals
    of evicted facts stay (in ``past_arrivals``) while a live contact may still need them.
    A fact for an evicted contact, or a new one that arrived before the cutoff, is late, unless
    it adds nothing to what was evicted: a restored book may start from state stage one stored
    after the facts still queued for it (the restore reads the contacts table when the first
    fact message comes), and its first sweep may evict a contact those facts led to. Only
    restored facts can be ahead of their messages, so only they are kept once evicted.
    Its rows hold ``fcr_success`` only: stage one counts everything else.
    """

    def __init__(
        self,
        window_us: int = FCR_WINDOW_US,
        grains: tuple[int, ...] = GRAINS,
        retention: Retention | None = None,
    ) -> None:
        self.window_us = window_us
        self.facts: dict[ContactKey, Fact] = {}
        self.customers: dict[CustomerKey, list[ContactKey]] = {}
        self.past_arrivals: dict[CustomerKey, list[tuple[int, str]]] = {}
        self._past_order: list[tuple[int, CustomerKey, str]] = []  # a heap of the past arrivals
        self.counted: dict[ContactKey, Where] = {}  # the successes, by the rows they count in
        self.totals = RowTotals(grains, FCR_COLUMNS)
        self.reasons = RowTotals((INTERVAL_S,), FCR_COLUMNS)
        self.agents = RowTotals((INTERVAL_S,), FCR_COLUMNS)
        self.horizon = Horizon(retention)
        self.expiry: Expiry[ContactKey] = Expiry()  # filled only with a retention
        self.restored: set[ContactKey] = set()  # restored facts not evicted yet
        self.gone: dict[ContactKey, Fact] = {}  # evicted restored facts, while their keys are known
        self.anchored = Anchored()  # the arrival intervals of the kept facts
        self._names: dict[str, str] = {}  # one string per client, queue and channel name
        self._pending: set[CustomerKey] = set()
        self._moved: set[ContactKey] = set()  # merged since the last settle: file again

    def apply(self, fact: Fact, restoring: bool = False) -> bool:
        """Merge what stage one knows of a contact; :meth:`settle` re-decides its customer."""
        key = (fact.client, fact.contact_id)
        horizon = self.horizon  # its watermark is set by the stage (the slowest source's)
        known = self.facts.get(key)
        if known is None:
            if not restoring:
                if key in horizon.evicted:
                    gone = self.gone.get(key)
                    if gone is not None and not adds_to(gone, fact):
                        return False  # a view already counted (see the class)
                    return self._late(fact, "contact evicted from live FCR state")
                if fact.arrived_us < horizon.cutoff_us:
                    return self._late(fact, "arrival older than the live retention")
            names = self._names  # kept for days: one copy of each name, not one per fact
            fact.client = names.setdefault(fact.client, fact.client)
            fact.queue = names.setdefault(fact.queue, fact.queue)
            fact.channel = names.setdefault(fact.channel, fact.channel)
            key = (fact.client, fact.contact_id)
            self.facts[key] = known = fact  # the book owns the facts it is given
            if restoring:
                self.restored.add(key)
            self.anchored.add(interval_start(fact.arrived_us))
            self._join((fact.client, fact.customer_id), key)
            self._moved.add(key)
        else:
            self._moved.add(key)
            arrived_us, customer_id = known.arrived_us, known.customer_id
            if not known.merge(fact):  # most facts only move the last event: nothing to decide
                return False
            if known.arrived_us != arrived_us:
                self.anchored.move(interval_start(arrived_us), interval_start(known.arrived_us))
            if known.customer_id != customer_id:  # an earlier arrival naming another customer
                self._leave((known.client, customer_id), key)
                self._pending.add((known.client, customer_id))
                self._join((known.client, known.customer_id), key)
        # Its rows are written even when no contact in them succeeds: they may hold an old count.
        row, reason, agent = rows_of(known)
        self.totals.touch(row)
        if reason is not None:
            self.reasons.touch(reason)
        if agent is not None:
            self.agents.touch(agent)
        self._pending.add((known.client, known.customer_id))
        return True

    def _join(self, customer: CustomerKey, key: ContactKey) -> None:
        members = self.customers.get(customer)
        if members is None:
            self.customers[customer] = [key]
        else:
            members.append(key)

    def _leave(self, customer: CustomerKey, key: ContactKey) -> None:
        members = self.customers[customer]
        members.remove(key)
        if not members:
            del self.customers[customer]

    def settle(self) -> None:
        """Decide FCR once for every customer touched since the last settle."""
        for customer in self._pending:
            if customer in self.customers:
                self._decide(customer)
        self._pending.clear()
        if self.horizon.retention is not None:
            facts = self.facts
            for key in self._moved:
                fact = facts.get(key)
                if fact is not None:
                    self._file(key, fact)
        self._moved.clear()

    def _file(self, key: ContactKey, fact: Fact) -> None:
        """File a fact under the watermark after which it is quiet and its FCR final."""
        retention = self.horizon.retention
        assert retention is not None
        quiet_after = self.horizon.quiet_after_us(fact.last_event_us, fact.still_open)
        final_after = fcr_final_after_us(fact, self.window_us) + retention.closed_us  # see fcr_final
        self.expiry.file(key, max(quiet_after, final_after))

    def _late(self, fact: Fact, reason: str) -> bool:
        self.horizon.late.append(LateEvent(fact.client, fact.contact_id, fact.arrived_id, "fcr.fact",
                                   fact.last_event_us, reason))  # fmt: skip
        return False

    def _decide(self, customer: CustomerKey) -> None:
        facts = self.facts
        keys = self.customers[customer]
        past = self.past_arrivals.get(customer)
        if len(keys) == 1 and not past:
            fact = facts[keys[0]]
            arrivals = [(fact.arrived_us, fact.contact_id)]
        else:
            inbound = [(facts[k].arrived_us, k[1]) for k in keys if not facts[k].outbound]
            arrivals = sorted(inbound + (past or []))
        counted, window = self.counted, self.window_us
        for key in keys:
            fact = facts[key]
            new = None
            if resolved_first(key[1], fact.ended_us, fact.may_succeed, arrivals, window):
                new = rows_of(fact)
            old = counted.get(key)
            if old != new:
                if old is not None:
                    self._count(old, -1)
                if new is None:
                    del counted[key]
                else:
                    self._count(new, 1)
                    counted[key] = new

    def _count(self, where: Where, sign: int) -> None:
        """Add or take away one success in each of its rows."""
        for totals, anchor in zip((self.totals, self.reasons, self.agents), where, strict=True):
            if anchor is not None:
                if sign > 0:
                    totals.add(anchor, ONE)
                else:
                    totals.subtract(anchor, ONE)

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
        facts = self.facts
        for key in self.expiry.take(horizon.watermark_us):
            fact = facts.get(key)
            if fact is None:  # left already (a key may be filed more than once)
                continue
            if not (
                horizon.quiet_since(fact.last_event_us, fact.still_open)
                and fcr_final(fact, cutoff, self.window_us)
            ):
                self._file(key, fact)  # not yet: filed when it changed, or again now
                continue
            customer = (fact.client, fact.customer_id)
            del facts[key]
            self.counted.pop(key, None)
            self.anchored.remove(interval_start(fact.arrived_us))
            self._leave(customer, key)
            if not fact.outbound:  # never a repeat: its arrival decides nothing
                self.past_arrivals.setdefault(customer, []).append((fact.arrived_us, fact.contact_id))
                heapq.heappush(self._past_order, (fact.arrived_us, customer, fact.contact_id))
            horizon.forget(key)
            if key in self.restored:
                self.restored.discard(key)
                self.gone[key] = fact
        self._forget_past_arrivals(self.anchored.oldest_us(cutoff))
        for totals in (self.totals, self.reasons, self.agents):
            totals.evict_ended(cutoff, self.anchored)
        horizon.swept()
        evicted, gone = horizon.evicted, self.gone
        for key in [k for k in gone if k not in evicted]:
            del gone[key]

    def _forget_past_arrivals(self, before_us: int) -> None:
        """Drop past arrivals older than every live fact's arrival: no live decision reads them."""
        order, past = self._past_order, self.past_arrivals
        while order and order[0][0] < before_us:
            at_us, customer, contact_id = heapq.heappop(order)
            arrivals = past[customer]
            arrivals.remove((at_us, contact_id))
            if not arrivals:
                del past[customer]
