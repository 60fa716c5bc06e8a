"""The receiver's archive: every payload as it was received, one JSON Lines record each, written
before anything else is done with it, with the time it was received.

A platform that posts each webhook once (Chatwoot never retries) loses what a receiver does not
keep, so the archive is the record: ``--replay`` of it is the recovery after any outage, and the
time of receipt stands in for times a platform's payload does not hold (the README says which).
A record is ``{"received_at": RFC 3339, "body": the payload's text}`` (``body_hex`` for bytes
that are not UTF-8); a line that is a payload itself (saved by hand, or by an older cckpi) is read
as a payload received at an unknown time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, NamedTuple

import orjson

from schemas.events import RFC3339, epoch_us
from schemas.stamps import US_PER_S, format_rfc3339, parse_rfc3339


class Kept(NamedTuple):
    body: bytes
    received_s: float | None  # None: a bare payload, its time of receipt not kept


def record(body: bytes, received_s: float) -> bytes:
    """One archive line (without its newline)."""
    try:
        kept: dict[str, str] = {"body": body.decode("utf-8")}
    except UnicodeDecodeError:
        kept = {"body_hex": body.hex()}
    return orjson.dumps({"received_at": format_rfc3339(received_s, milliseconds=True), **kept})


def read_record(line: bytes) -> Kept:
    """A payload and the time it was received, from an archive line (or a bare payload line)."""
    try:
        found = orjson.loads(line)
    except orjson.JSONDecodeError:
        return Kept(line, None)
    if not isinstance(found, dict) or set(found) not in (
        {"received_at", "body"},
        {"received_at", "body_hex"},
    ):
        return Kept(line, None)
    stamp = found["received_at"]
    readable = isinstance(stamp, str) and RFC3339.match(stamp)
    at = epoch_us(parse_rfc3339(stamp)) / US_PER_S if readable else None
    body = found.get("body")
    if isinstance(body, str):
        return Kept(body.encode("utf-8"), at)
    try:
        return Kept(bytes.fromhex(str(found.get("body_hex"))), at)
    except ValueError:
        return Kept(line, None)


class Archive:
    """Appends records to a file, each on disk before :meth:`append` returns; counts its lines,
    so that what is reported of a record names the line to replay."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle: IO[bytes] = path.open("ab")
        with path.open("rb") as existing:
            self.lines = sum(chunk.count(b"\n") for chunk in iter(lambda: existing.read(1 << 20), b""))

    def append(self, body: bytes, received_s: float) -> int:
        """Keep one payload; return its line number (from 1)."""
        self._handle.write(record(body, received_s) + b"\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())  # on disk before the platform hears it was taken
        self.lines += 1
        return self.lines

    def close(self) -> None:
        self._handle.close()
