"""Event ids a bridge derives from the source record, so a record read twice counts once."""

from __future__ import annotations

import hashlib
import uuid

# Fixed for ever: the same record must give the same id on every machine and in every version.
NAMESPACE = uuid.UUID("6b1d3c0e-4f52-5a8e-9d1f-2c7a5e0b9f34")


def event_id(*parts: str) -> str:
    """A UUID5 of the record's own identity (its source, its text, which event of it)."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(parts)))


def pseudonym(value: str, salt: str) -> str:
    """A stable stand-in for personal data (a caller's number): the same value and salt give
    the same id, and nobody without the salt can tell the value from it."""
    return "h:" + hashlib.sha256(f"{salt}\x1f{value}".encode()).hexdigest()[:24]
