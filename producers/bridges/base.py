"""What every bridge is: a platform's records in, contract events out, and an account of what it
read, so that nothing it could not convert is dropped unsaid.

A bridge converts one record at a time, in the order the platform wrote them, and keeps between
records only what later ones need. The follow loop (``producers.bridges.follow``), the webhook
receiver and the archive replay drive any bridge through this protocol.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from producers.envelope import EventDict

MAX_KEPT = 1000  # unreadable records kept for the report (all are counted)


class Unreadable(NamedTuple):
    """A record the bridge could not convert: where it is, why, and the record as written."""

    number: int  # its line in the file or archive, from 1
    reason: str
    text: str


@dataclass
class Account:
    """What a bridge read: records, events made, what it ignored (by kind) and could not read."""

    records: int = 0
    events: int = 0
    ignored: Counter[str] = field(default_factory=Counter)
    unreadable: list[Unreadable] = field(default_factory=list)  # the first MAX_KEPT of them
    unreadable_count: int = 0
    last_unreadable: Unreadable | None = None

    def refuse(self, record: Unreadable) -> None:
        self.unreadable_count += 1
        self.last_unreadable = record
        if len(self.unreadable) < MAX_KEPT:
            self.unreadable.append(record)


class Bridge(Protocol):
    """A platform's records as contract events."""

    account: Account

    def convert(self, number: int, record: str | bytes) -> list[EventDict]:
        """The events of one record (none for what is ignored or unreadable, which is counted)."""
        ...
