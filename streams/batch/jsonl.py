"""Reading JSON Lines of events: each line an event, a blank, or a rejection with its line number."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from schemas.events import Rejection
from schemas.wire import AgentState, ContactEvent, Event, parse_event, parse_events
from streams.batch.packed import Packed
from streams.engine.copies import CONFLICT_REASON, Copy, as_received, settle_copies


@dataclass
class LineTally:
    """What reading the input found: valid events that count and the lines that were skipped
    (a conflicting duplicate's losing content among them, once per content)."""

    valid: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def read_events(lines: Iterable[bytes], tally: LineTally) -> Iterator[ContactEvent | AgentState]:
    """Parse JSONL lines, skipping blank ones and recording bad ones in ``tally``; copies of one
    event id with different content are settled over all of them first (``streams.engine.copies``)."""
    kept: list[tuple[int, bytes, Event]] = []
    for number, line in enumerate(lines, start=1):
        parsed = parse_event(line)
        if isinstance(parsed, Rejection):
            if line.strip():  # blank lines are skipped, not bad
                tally.rejected.append((number, parsed.reason))
            continue
        kept.append((number, line, parsed))
    settled = settle_copies(Copy(number, as_received(line), event) for number, line, event in kept)
    tally.rejected.extend((copy.number, CONFLICT_REASON) for copy in settled.dead)
    tally.rejected.sort()
    for number, _, event in kept:
        if number not in settled.dropped:
            tally.valid += 1
            yield event


def read_contact_events(
    messages: Packed, numbers: Sequence[int], tally: LineTally, kept: list[int] | None = None
) -> list[ContactEvent]:
    """The contact events of the messages at ``numbers`` (0-based); agent states are only checked.

    ``kept``, if given, receives the number of each event returned, in order."""
    events: list[ContactEvent] = []
    append = events.append
    for n, event in zip(numbers, parse_events(messages.views(numbers)), strict=True):
        if isinstance(event, AgentState):
            tally.valid += 1
        elif isinstance(event, Rejection):
            if messages[n].strip():
                tally.rejected.append((n + 1, event.reason))
        else:
            tally.valid += 1
            append(event)
            if kept is not None:
                kept.append(n)
    return events
