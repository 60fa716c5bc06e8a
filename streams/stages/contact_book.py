"""Stage one of the engine: contact states and their rows, fed one event at a time."""

from __future__ import annotations

from schemas.wire import AgentState, ContactArrived, ContactEvent
from streams.engine.agent_time import AGENT_VECTOR, STATES, AgentClock, change_of, handled_part
from streams.engine.contact_copies import Verdict, judge, merge
from streams.engine.contacts import ContactKey, ContactState, Slot
from streams.engine.contributions import ThresholdLookup, Vector, contribution
from streams.engine.expiry import Anchored, Expiry
from streams.engine.intervals import INTERVAL_S, US_PER_S, interval_start
from streams.engine.reasons import reason_lane, reason_part
from streams.engine.retention import Horizon, LateEvent, Retention
from streams.engine.totals import GRAINS, Anchor, RowTotals

Counted = tuple[Anchor, Vector]  # a contribution and the row it counts in


class ContactBook:
    """Contacts of one partition (or of a whole file) and the rows they add up to.

    It records which contacts changed, so a sink can persist them and stage two can be
    told (any change: stage two decides FCR from the slots and evicts by the last event). With a
    retention it evicts quiet contacts and old rows, and turns away late events
    (``streams.engine.retention``).
    """

    def __init__(
        self,
        thresholds: ThresholdLookup,
        grains: tuple[int, ...] = GRAINS,
        retention: Retention | None = None,
    ) -> None:
        self.thresholds = thresholds
        self.horizon = Horizon(retention)
        self.expiry: Expiry[ContactKey] = Expiry()  # filled only with a retention
        self.anchored = Anchored()  # intervals of the counted (arrived) contacts
        self.contacts: dict[ContactKey, ContactState] = {}
        self.counted: dict[ContactKey, Counted] = {}
        self.totals = RowTotals(grains)
        # Reason and agent rows, per 15-minute interval: contacts' parts, and (a source of its
        # own: it is restored from other data, over other intervals) agents' state time.
        self.reasons = RowTotals((INTERVAL_S,))
        self.agents = RowTotals((INTERVAL_S,), AGENT_VECTOR)
        self.parts: dict[ContactKey, tuple[Counted | None, Counted | None]] = {}
        self.agent_time = RowTotals((INTERVAL_S,), AGENT_VECTOR[: len(STATES)])
        self.clock = AgentClock(self.agent_time)
        self.clock_floor_us = self.agent_floor_us
        self.changed: set[ContactKey] = set()
        self.fcr_changed: set[ContactKey] = set()
        self._pending: set[ContactKey] = set()  # merged, not yet recounted
        self._fcr_pending: set[ContactKey] = set()

    def apply(self, event: ContactEvent) -> bool:
        """Merge one contact event; return whether a counted slot changed.

        Rows are brought up to date by :meth:`settle`, once per contact however many of
        its events a batch holds.
        """
        contact = self._live(event)
        if contact is None:
            return False
        last = contact.last_event_us
        counted = contact.apply(event)
        self._merged(event, counted, counted or contact.last_event_us != last)
        return counted

    def apply_copy(self, event: ContactEvent, rank: int, digest: int) -> tuple[Verdict, int]:
        """:meth:`apply` for a copy as received (its rank and content digest,
        ``streams.engine.contact_copies``): whether it counts, and the rank it was set against.
        A late event counts nothing here (NEW: archived, as every late event is)."""
        contact = self._live(event)
        if contact is None:
            return Verdict.NEW, 0
        last, copies = contact.last_event_us, contact.copies
        verdict, rank_set, counted = merge(contact, event, rank, digest)
        self._merged(event, counted, counted or contact.last_event_us != last)
        if contact.copies != copies:  # its copies are stored with it, for a restart to know them
            self.changed.add((event.client, event.contact_id))
        return verdict, rank_set

    def _live(self, event: ContactEvent) -> ContactState | None:
        """The live contact an event merges into, made if new; None when the event is late."""
        key = (event.client, event.contact_id)
        at = event.occurred_us
        horizon = self.horizon
        if at > horizon.watermark_us:
            horizon.advance(at)
        contact = self.contacts.get(key)
        if contact is None:
            if key in horizon.evicted:
                self._late(event, "contact evicted from live state")
                return None
            if at < horizon.cutoff_us:
                self._late(event, "older than the live retention")
                return None
            contact = self.contacts[key] = ContactState(event.client, event.contact_id)
        elif contact.last_event_us < horizon.cutoff_us and horizon.quiet(contact):
            self._late(event, "contact quiet beyond the live retention")
            return None  # not swept yet
        elif at < horizon.cutoff_us and isinstance(event, ContactArrived):
            self._late(event, "arrival older than the live retention")
            return None
        return contact

    def _merged(self, event: ContactEvent, counted: bool, moved: bool) -> None:
        """Note what a merge changed: the rows to recount (``counted``: a slot), the state to
        store and stage two's facts (``moved``: a slot or the last event, by which both evict)."""
        key = (event.client, event.contact_id)
        if counted:
            self._pending.add(key)
        if moved:
            self.changed.add(key)
            self._fcr_pending.add(key)

    @property
    def agent_floor_us(self) -> int:
        """Agents' state time from here on is live: the start of the interval of the cutoff, so
        that every row the clock may write again holds the whole of its interval."""
        return interval_start(self.horizon.cutoff_us) * US_PER_S

    def hold_floor(self) -> None:
        """Fix the agents' floor for a batch: the time its changes and latest events reveal is
        not written yet, however far the batch moves the cutoff."""
        self.clock_floor_us = self.agent_floor_us

    def apply_agent(
        self, event: AgentState, restoring: bool = False, rank: int = 0, digest: int = 0
    ) -> tuple[Verdict, int]:
        """Count an agent's change of state into its agent rows; once per event, in any order,
        its copies settled as a contact's are (``rank`` and ``digest`` of the copy as received:
        ``streams.engine.contact_copies``). A change older than the retention is late, unless
        it is restored (its time before the floor is final)."""
        clock, agent = self.clock, (event.client, event.queue, event.agent_id)
        known = clock.copy_of(agent, event.event_id)
        if known is not None:
            counted, counted_digest = known
            verdict = judge(counted, counted_digest, rank, digest)
            if verdict is Verdict.SAME:
                if rank < counted:
                    clock.seen[agent][event.event_id] = (rank, digest)
                return Verdict.SAME, counted
            if verdict is Verdict.LOSES:
                lost = clock.lost.setdefault(agent, set())
                if (event.event_id, digest) in lost:
                    return Verdict.LOST_AGAIN, counted
                lost.add((event.event_id, digest))
                return Verdict.LOSES, counted
            clock.replace(agent, change_of(event), self.clock_floor_us, rank, digest)
            return Verdict.WINS, counted
        if self.horizon.beyond(event.occurred_us) and not restoring:
            late = LateEvent(event.client, "", event.event_id, event.type, event.occurred_us,
                             "older than the live retention")  # fmt: skip
            self.horizon.late.append(late)
            return Verdict.NEW, 0
        clock.apply(agent, change_of(event), self.clock_floor_us, rank, digest)
        return Verdict.NEW, 0

    def _late(self, event: ContactEvent, reason: str) -> None:
        self.horizon.late.append(LateEvent(event.client, event.contact_id, event.event_id, event.type,
                                   event.occurred_us, reason))  # fmt: skip

    def settle(self) -> None:
        """Recount the contacts merged since the last settle."""
        contacts = self.contacts
        for key in self._pending:
            self._recount(key, contacts[key])
        self._pending.clear()
        self.fcr_changed.update(k for k in self._fcr_pending if contacts[k].arrival is not None)
        self._fcr_pending.clear()
        if self.horizon.retention is not None:
            for key in self.changed:  # its last event or openness moved: so did its leaving
                self._file(key, contacts[key])

    def _file(self, key: ContactKey, contact: ContactState) -> None:
        self.expiry.file(key, self.horizon.quiet_after_us(contact.last_event_us, contact.still_open))

    def restore(self, contact: ContactState) -> None:
        """Put back a contact loaded from storage; it counts but is not marked changed.

        The horizon's watermark is the stage's stored one, set by the caller: the newest
        restored event may be ahead of it (the batch written last may not be committed).
        """
        key = (contact.client, contact.contact_id)
        self.contacts[key] = contact
        self._recount(key, contact)
        if self.horizon.retention is not None:
            self._file(key, contact)

    def sweep(self) -> None:
        """Evict quiet contacts, then the rows no live contact is anchored in.

        Call it only once the book's rows and changes are taken (written), as
        :class:`streams.stages.contact_stage.ContactStage` does at the end of a batch.
        """
        horizon = self.horizon
        if not horizon.due():
            return
        contacts = self.contacts
        for key in self.expiry.take(horizon.watermark_us):
            contact = contacts.get(key)
            if contact is None:  # left already (a key may be filed more than once)
                continue
            if not horizon.quiet(contact):
                self._file(key, contact)  # not yet: filed when it changed, or again now
                continue
            del contacts[key]
            counted = self.counted.pop(key, None)
            if counted is not None:
                self.anchored.remove(interval_start(counted[0][3]))
            self.parts.pop(key, None)
            for pending in (self.changed, self.fcr_changed, self._pending, self._fcr_pending):
                pending.discard(key)
            horizon.forget(key)
            if contact.arrival is None:  # its events never counted: they are late too
                horizon.late.extend(orphan_events(contact))
        for totals in (self.totals, self.reasons, self.agents):
            totals.evict_ended(horizon.cutoff_us, self.anchored)
        self.agent_time.evict_ended(self.agent_floor_us, ())  # the clock never goes back past its floor
        self.clock.forget_before(self.agent_floor_us)
        horizon.swept()

    def _recount(self, key: ContactKey, contact: ContactState) -> None:
        vector = contribution(contact, self.thresholds)
        new = None
        if vector is not None:
            arrival = contact.arrival
            assert arrival is not None
            new = ((contact.client, arrival.queue, arrival.channel, arrival.at_us), vector)
        old = self.counted.get(key)
        self.totals.replace(old, new)
        if new is None:
            self.counted.pop(key, None)
        else:
            self.counted[key] = new
        if old is None or new is None or old[0][3] != new[0][3]:
            self.anchored.move(
                None if old is None else interval_start(old[0][3]),
                None if new is None else interval_start(new[0][3]),
            )
        self._recount_parts(key, contact, vector)

    def _recount_parts(self, key: ContactKey, contact: ContactState, vector: Vector | None) -> None:
        """Move the contact's reason and agent parts (only handled contacts have any)."""
        by_reason = by_agent = None
        if vector is not None:
            found = reason_part(contact, vector)
            if found is not None:
                (client, queue, channel, reason, at_us), part = found
                by_reason = ((client, queue, reason_lane(channel, reason), at_us), part)
            by_agent = handled_part(contact, vector)
        old_reason, old_agent = self.parts.get(key, (None, None))
        self.reasons.replace(old_reason, by_reason)
        self.agents.replace(old_agent, by_agent)
        if by_reason is None and by_agent is None:
            self.parts.pop(key, None)
        else:
            self.parts[key] = (by_reason, by_agent)

    def take_changed(self) -> list[ContactState]:
        """Contacts changed since the last call (to persist); settle first."""
        changed = [self.contacts[key] for key in sorted(self.changed)]
        self.changed.clear()
        return changed

    def take_fcr_changed(self) -> list[ContactState]:
        """Arrived contacts that changed in any way (for stage two); settle first."""
        changed = [self.contacts[key] for key in sorted(self.fcr_changed)]
        self.fcr_changed.clear()
        return changed


def orphan_events(contact: ContactState) -> list[LateEvent]:
    """The recorded events of a contact whose arrival never came within the retention."""
    reason = "no arrival within the live retention"
    ended, survey = contact.ended, contact.survey
    slots: list[tuple[str, Slot | None]] = [
        ("contact.answered", contact.answered),
        ("contact.abandoned", contact.abandoned),
        ("contact.self_served", contact.self_served),
        ("contact.replied", contact.replied),
        ("contact.transferred", contact.transferred),
        ("contact.ended", None if ended is None else (ended.at_us, ended.event_id)),
        ("survey.answered", None if survey is None else (survey.at_us, survey.event_id)),
    ]
    return [
        LateEvent(contact.client, contact.contact_id, slot[1], kind, slot[0], reason)
        for kind, slot in slots
        if slot
    ]
