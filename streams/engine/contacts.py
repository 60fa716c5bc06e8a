"""Per-contact state: the event of each kind that counts, merged so that order never matters.

"First" is the earliest ``occurred_at``, ties broken by the smaller ``event_id`` (kpis.md); a
survey is the exception: the latest answer counts (the greatest pair), as a customer who edits a
rating changes it. Merging keeps the minimum (the maximum for surveys), so duplicates and any
delivery order give the same state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from msgspec import Struct

from schemas.wire import (
    ContactAbandoned,
    ContactAnswered,
    ContactArrived,
    ContactEnded,
    ContactEvent,
    ContactReplied,
    ContactSelfServed,
    ContactTransferred,
    SurveyAnswered,
)
from streams.engine.intervals import US_PER_S

Slot = tuple[int, str]  # (occurred_us, event_id): tuple order is the "first" rule
ContactKey = tuple[str, str]  # client, contact_id: a contact's identity everywhere

# The slots below are msgspec structs, not frozen dataclasses: a batch makes one to three of
# them for every contact, and a frozen dataclass sets each field the slow way (through
# object.__setattr__; figures in docs/performance.md).


class Arrival(Struct, frozen=True, gc=False):
    at_us: int
    event_id: str
    queue: str
    channel: str
    customer_id: str
    outbound: bool = False  # the centre started it (``direction: outbound``): counted apart


class Ending(Struct, frozen=True, gc=False):
    at_us: int
    event_id: str
    talk_us: int
    hold_us: int
    wrap_us: int
    resolved: bool
    agent_id: str = ""  # who did the work: agent rows count the contact for them
    reason: str | None = None  # the wrap-up code, if the agent gave one


class Survey(Struct, frozen=True, gc=False):
    at_us: int
    event_id: str
    csat: int | None
    nps: int | None
    ces: int | None = None


def seconds_to_us(seconds: float) -> int:
    """Convert a duration to integer microseconds so sums are exact in any order."""
    return round(seconds * US_PER_S)


@dataclass(slots=True)
class ContactState:
    """What is known of one contact; ``None`` slots have not been seen yet."""

    client: str
    contact_id: str
    arrival: Arrival | None = None
    answered: Slot | None = None
    abandoned: Slot | None = None
    replied: Slot | None = None
    ended: Ending | None = None
    survey: Survey | None = None
    last_event_us: int = 0
    transferred: Slot | None = None  # the first transfer: any one makes the contact "transferred"
    self_served: Slot | None = None  # a bot closed it (an answer wins over it; it wins over an abandon)
    # Live only (streams.engine.contact_copies): a record of each event id's counting copy, and
    # the events that hold no slot. The batch engine settles copies before it merges.
    copies: bytes = b""
    spares: tuple[tuple[int, Any], ...] = ()

    def snapshot(self) -> ContactState:
        """A copy that later events leave as it is (the slots themselves are immutable)."""
        return ContactState(self.client, self.contact_id, self.arrival, self.answered, self.abandoned,
                            self.replied, self.ended, self.survey, self.last_event_us,
                            self.transferred, self.self_served, self.copies, self.spares)  # fmt: skip

    def slots(self) -> tuple[object, ...]:
        """What counts of the contact: the event of each kind (to tell whether a merge changed it)."""
        return (self.arrival, self.answered, self.abandoned, self.replied, self.ended, self.survey,
                self.transferred, self.self_served)  # fmt: skip

    @property
    def still_open(self) -> bool:
        """Arrived, neither ended, abandoned nor self-served (an email awaiting its answer): kept longer."""
        return (self.arrival is not None and self.ended is None and self.abandoned is None
                and self.self_served is None)  # fmt: skip

    def apply(self, event: ContactEvent) -> bool:
        """Merge one event; return whether a counted slot changed."""
        # The hottest function of the engine: comparisons are written out, not called.
        at = event.occurred_us
        eid = event.event_id
        if at > self.last_event_us:
            self.last_event_us = at
        if isinstance(event, ContactAnswered):
            slot = self.answered
            if slot is None or (at, eid) < slot:
                self.answered = (at, eid)
                return True
        elif isinstance(event, ContactArrived):
            arrival = self.arrival
            if arrival is None or (at, eid) < (arrival.at_us, arrival.event_id):
                outbound = event.direction == "outbound"
                self.arrival = Arrival(at, eid, event.queue, event.channel, event.customer_id, outbound)
                return True
        elif isinstance(event, ContactEnded):
            ended = self.ended
            if ended is None or (at, eid) < (ended.at_us, ended.event_id):
                talk, hold, wrap = (
                    seconds_to_us(event.talk_s),
                    seconds_to_us(event.hold_s),
                    seconds_to_us(event.wrap_s),
                )
                self.ended = Ending(at, eid, talk, hold, wrap, event.resolved, event.agent_id, event.reason)
                return True
        elif isinstance(event, ContactReplied):
            slot = self.replied
            if slot is None or (at, eid) < slot:
                self.replied = (at, eid)
                return True
        elif isinstance(event, ContactAbandoned):
            slot = self.abandoned
            if slot is None or (at, eid) < slot:
                self.abandoned = (at, eid)
                return True
        elif isinstance(event, SurveyAnswered):
            survey = self.survey
            if survey is None or (at, eid) > (survey.at_us, survey.event_id):  # the latest counts
                scores = (event.csat, event.nps, event.ces)  # ints: parse_event made them so
                self.survey = Survey(at, eid, *cast(tuple[int | None, int | None, int | None], scores))
                return True
        elif isinstance(event, ContactTransferred):
            slot = self.transferred
            if slot is None or (at, eid) < slot:
                self.transferred = (at, eid)
                return True
        elif isinstance(event, ContactSelfServed):
            slot = self.self_served
            if slot is None or (at, eid) < slot:
                self.self_served = (at, eid)
                return True
        return False
