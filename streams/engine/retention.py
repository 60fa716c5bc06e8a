"""How far back live state reaches, and which events come too late for it.

Live state cannot grow with every contact ever seen. A book keeps a contact until it has
been quiet for the retention (no event within ``watermark - retention``), or, while it is
still open (arrived, neither ended nor abandoned: an email waiting for an answer), for the
longer open retention; then it evicts it. Its contribution stays in the row totals, which
is what was written. The rows of a 15-minute interval are evicted once the interval has
ended before the cutoff and no live contact is anchored in it. From then on, an event for a
quiet or evicted contact, or for a new one older than the cutoff, is **late**: it is
archived like any other event (replay counts it), recorded as late, and skipped live, so
no stored row is ever rewritten from partial state.

The watermark moves at most one step per event: one event stamped days ahead (a wrong
clock) cannot evict live state; a real gap in traffic is caught up within a few events.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from streams.engine.contacts import ContactKey, ContactState
from streams.engine.intervals import INTERVAL_S, US_PER_S

# A sweep costs one pass over a book, so it runs once per eighth of the retention (at least
# one interval apart) of event time: state overshoots the retention by at most an eighth.
SWEEP_FRACTION = 8
MIN_SWEEP_EVERY_US = INTERVAL_S * US_PER_S
STEP_US = INTERVAL_S * US_PER_S  # the most one event moves a watermark
NEVER = -(1 << 62)


@dataclass(frozen=True, slots=True)
class LateEvent:
    """An event (or, in stage two, a contact's facts) that live state could no longer take."""

    client: str
    contact_id: str
    event_id: str
    type: str
    occurred_us: int
    reason: str


@dataclass(frozen=True, slots=True)
class Retention:
    """How long live state keeps a quiet contact: a closed one, and one still open."""

    closed_us: int
    open_us: int

    def __post_init__(self) -> None:
        if not 0 < self.closed_us <= self.open_us:
            raise ValueError("retention: need 0 < closed retention <= open retention")


@dataclass(slots=True)
class Horizon:
    """One book's watermark, cutoffs and evicted keys; no retention keeps everything."""

    retention: Retention | None
    watermark_us: int = 0
    evicted: dict[ContactKey, int] = field(default_factory=dict)  # key -> watermark at eviction
    next_sweep_us: int = NEVER
    evicted_contacts: int = 0
    late: list[LateEvent] = field(default_factory=list)  # turned away since the last take

    @property
    def cutoff_us(self) -> int:
        """Events and contacts older than this are beyond live state."""
        return NEVER if self.retention is None else self.watermark_us - self.retention.closed_us

    def beyond(self, at_us: int) -> bool:
        """Whether an event of this time is older than live state keeps (late, unless restored)."""
        return at_us < self.cutoff_us

    @property
    def open_cutoff_us(self) -> int:
        return NEVER if self.retention is None else self.watermark_us - self.retention.open_us

    def quiet(self, contact: ContactState) -> bool:
        """Whether a contact has been quiet long enough to leave live state."""
        return self.quiet_since(contact.last_event_us, contact.still_open)

    def quiet_since(self, last_event_us: int, still_open: bool) -> bool:
        """:meth:`quiet`, for a contact's last event and whether it is still open."""
        if last_event_us >= self.cutoff_us:
            return False
        return not still_open or last_event_us < self.open_cutoff_us

    def quiet_after_us(self, last_event_us: int, still_open: bool) -> int:
        """The watermark after which :meth:`quiet_since` holds (while nothing changes)."""
        if self.retention is None:
            return -NEVER  # never quiet: there is no retention
        return last_event_us + (self.retention.open_us if still_open else self.retention.closed_us)

    def see(self, at_us: int) -> None:
        if at_us > self.watermark_us:
            self.watermark_us = at_us

    def advance(self, at_us: int) -> None:
        """Move the watermark towards an event's time, by at most one step once it is set."""
        if self.watermark_us and self.retention is not None:
            self.watermark_us = min(at_us, self.watermark_us + STEP_US)
        else:
            self.watermark_us = at_us

    def due(self) -> bool:
        """Whether a sweep is due (see ``SWEEP_FRACTION``)."""
        return self.retention is not None and self.watermark_us >= self.next_sweep_us

    def take_late(self) -> list[LateEvent]:
        late, self.late = self.late, []
        return late

    def forget(self, key: ContactKey) -> None:
        self.evicted[key] = self.watermark_us
        self.evicted_contacts += 1

    def swept(self) -> None:
        """Schedule the next sweep; forget keys evicted a whole retention ago.

        A forgotten key's later events are still late: older than the cutoff, or else an
        orphan (no arrival) that is recorded late when it is evicted in turn. The set stays
        bounded by one retention's traffic.
        """
        assert self.retention is not None
        every = max(MIN_SWEEP_EVERY_US, self.retention.closed_us // SWEEP_FRACTION)
        self.next_sweep_us = self.watermark_us + every
        cutoff = self.cutoff_us
        for key in [k for k, evicted_at in self.evicted.items() if evicted_at < cutoff]:
            del self.evicted[key]
