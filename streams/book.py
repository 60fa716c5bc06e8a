"""Stage one of the engine: contact states and their rows, fed one event at a time."""

from __future__ import annotations

from schemas.events import ContactEvent
from streams.contacts import ContactState, contact_key
from streams.kpi import ThresholdLookup, Vector, contribution
from streams.totals import GRAINS, Anchor, RowTotals

ContactKey = tuple[str, str]  # client, contact_id


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

    def apply(self, event: ContactEvent) -> bool:
        """Merge one contact event; return whether any number or state changed."""
        key = contact_key(event)
        contact = self.contacts.get(key)
        if contact is None:
            contact = self.contacts[key] = ContactState(event.client, event.contact_id)
        before_last = contact.last_event_us
        if not contact.apply(event):
            if contact.last_event_us != before_last:
                self.changed.add(key)
            return False
        self.changed.add(key)
        self._recount(key, contact)
        if contact.arrival is not None and event.type in (
            "contact.arrived",
            "contact.answered",
            "contact.ended",
        ):
            self.fcr_changed.add(key)
        return True

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
        """Contacts changed since the last call (to persist)."""
        changed = [self.contacts[key] for key in sorted(self.changed)]
        self.changed.clear()
        return changed

    def take_fcr_changed(self) -> list[ContactState]:
        """Arrived contacts whose arrival, answer or end changed (for stage two)."""
        changed = [self.contacts[key] for key in sorted(self.fcr_changed)]
        self.fcr_changed.clear()
        return changed
