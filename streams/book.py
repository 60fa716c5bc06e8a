"""Stage one of the engine: contact states and their rows, fed one event at a time."""

from __future__ import annotations

from schemas.wire import ContactEvent
from streams.contacts import ContactState
from streams.kpi import ThresholdLookup, Vector, contribution
from streams.totals import GRAINS, Anchor, RowTotals

ContactKey = tuple[str, str]  # client, contact_id
_FCR_TYPES = frozenset({"contact.arrived", "contact.answered", "contact.ended"})


class ContactBook:
    """Contacts of one partition (or of a whole file) and the rows they add up to.

    It records which contacts changed, so a sink can persist them, and which changed
    in a way that matters to first-contact resolution, so stage two can be told.
    """

    def __init__(self, thresholds: ThresholdLookup, grains: tuple[int, ...] = GRAINS) -> None:
        self.thresholds = thresholds
        self.contacts: dict[ContactKey, ContactState] = {}
        self.counted: dict[ContactKey, tuple[Anchor, Vector]] = {}
        self.totals = RowTotals(grains)
        self.changed: set[ContactKey] = set()
        self.fcr_changed: set[ContactKey] = set()
        self._pending: set[ContactKey] = set()  # merged, not yet recounted
        self._fcr_pending: set[ContactKey] = set()

    def apply(self, event: ContactEvent) -> bool:
        """Merge one contact event; return whether a counted slot changed.

        Rows are brought up to date by :meth:`settle`, once per contact however many of
        its events a batch holds.
        """
        key = (event.client, event.contact_id)
        contact = self.contacts.get(key)
        if contact is None:
            contact = self.contacts[key] = ContactState(event.client, event.contact_id)
        before_last = contact.last_event_us
        if not contact.apply(event):
            if contact.last_event_us != before_last:
                self.changed.add(key)
            return False
        self.changed.add(key)
        self._pending.add(key)
        if event.type in _FCR_TYPES:
            self._fcr_pending.add(key)
        return True

    def settle(self) -> None:
        """Recount the contacts merged since the last settle."""
        contacts = self.contacts
        for key in self._pending:
            self._recount(key, contacts[key])
        self._pending.clear()
        self.fcr_changed.update(k for k in self._fcr_pending if contacts[k].arrival is not None)
        self._fcr_pending.clear()

    def restore(self, contact: ContactState) -> None:
        """Put back a contact loaded from storage; it counts but is not marked changed."""
        key = (contact.client, contact.contact_id)
        self.contacts[key] = contact
        self._recount(key, contact)

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

    def take_changed(self) -> list[ContactState]:
        """Contacts changed since the last call (to persist); settle first."""
        changed = [self.contacts[key] for key in sorted(self.changed)]
        self.changed.clear()
        return changed

    def take_fcr_changed(self) -> list[ContactState]:
        """Arrived contacts whose arrival, answer or end changed (for stage two)."""
        changed = [self.contacts[key] for key in sorted(self.fcr_changed)]
        self.fcr_changed.clear()
        return changed
