"""The contract's envelope (events.md), built in one place for every producer.

The simulator, the bridges and the file converters all make their events here, so the fields
every event carries, their order and the time format are the same whoever writes them.
"""

from __future__ import annotations

from typing import Any

from schemas.stamps import format_rfc3339

SCHEMA_VERSION = 1
EventDict = dict[str, Any]  # one contract event as its JSON object


def envelope(event_id: str, kind: str, at_s: float, client: str, queue: str, **fields: Any) -> EventDict:
    """One contract event: the envelope, then the type's fields (``channel``, ``contact_id`` and
    the rest) as given; a field given as None is left out (the contract's absent)."""
    event: EventDict = {
        "event_id": event_id,
        "schema_version": SCHEMA_VERSION,
        "type": kind,
        "occurred_at": format_rfc3339(at_s, milliseconds=True),
        "client": client,
        "queue": queue,
    }
    event.update((name, value) for name, value in fields.items() if value is not None)
    return event
