"""Messages that give a name twice, for the SQL derivation: valid JSON whose last value counts
(as the contract models read it), where ClickHouse's JSON functions read the first.

``events.sql`` marks them (``twice``); the derivation then reads each one the contract takes in its
canonical form (:func:`schemas.wire.canonical`: every name once) in place of its bytes, keeping the
bytes as the message's ``original`` (its copy key, its dead letter), and derives again. Rare:
the second pass runs only when there are any.
"""

from __future__ import annotations

from schemas.events import Rejection
from schemas.wire import canonical, parse_event
from streams.storage.backends.protocol import ClickHouse

CANON_COLUMNS = ("original", "payload")


def canonical_forms(store: ClickHouse, events: str) -> list[list[str]]:
    """The (original, canonical) text of each message of ``events`` (the derivation's table)
    that names a field twice and that the contract takes (one it refuses is refused as it came)."""
    found = []
    for (doubt,) in store.query(f"SELECT DISTINCT doubt FROM {events} WHERE twice"):
        raw = bytes.fromhex(doubt)
        if isinstance(parse_event(raw), Rejection):
            continue
        form = canonical(raw)  # the contract took it: a JSON object, UTF-8
        if form is not None:  # None: Python's reader finds no name twice; the bytes stand
            found.append([raw.decode(), form.decode()])
    return found


def read_canonically(relation: str, canon: str) -> str:
    """``relation`` (line, payload, original) with each message of ``canon`` read in its canonical
    form (matched by its bytes). The relation is read once: an archive's line numbers are those of
    one read."""
    return (
        f"(SELECT r.line AS line, if(empty(c.payload), r.payload, c.payload) AS payload, "
        f"r.original AS original FROM {relation} AS r LEFT ANY JOIN {canon} AS c ON r.original = c.original)"
    )
