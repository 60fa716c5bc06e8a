"""``POST /ingest``: contract events from any platform that can call a URL, checked one by one.

The body is one JSON event or JSON Lines. Every line is validated against the contract; the
valid ones go to Kafka as they came (keyed as the contract says), and the answer names each
rejected line with its number and reason. A token limited to one client may send only that
client's events: a body with another's is refused whole. Sending a batch again is harmless: events
are idempotent by ``event_id``.
"""

from __future__ import annotations

from typing import Any

from producers.bridges.receiver import Converted, KeyedMessage
from producers.outputs import contract_key
from schemas.events import Rejection
from schemas.wire import parse_event

PARTIAL = 207  # some lines taken, some refused (WebDAV's multi-status)
FORBIDDEN = 403  # a token limited to one client sent another's event: nothing is taken


def ingest(body: bytes, received_s: float = 0.0, client: str | None = None) -> Converted:
    """The messages to produce of a body, and the answer: 200 all taken, 207 some, 400 none, 403
    none when a token limited to ``client`` sent another client's event (``received_s`` is the
    receiver's: contract events carry their own times)."""
    del received_s
    messages: list[KeyedMessage] = []
    rejected: list[dict[str, Any]] = []
    for number, line in enumerate(body.split(b"\n"), start=1):
        if not line.strip():
            continue
        parsed = parse_event(line)
        if isinstance(parsed, Rejection):
            rejected.append({"line": number, "reason": parsed.reason})
            continue
        if client is not None and parsed.client != client:
            refusal = f"line {number} is for client {parsed.client!r}; the token is for {client!r} only"
            return FORBIDDEN, {"accepted": 0, "rejected": [], "error": refusal}, []
        key = contract_key(
            getattr(parsed, "contact_id", None), getattr(parsed, "agent_id", None), parsed.event_id
        )
        messages.append((key, line.strip()))
    answer = {"accepted": len(messages), "rejected": rejected}
    if not messages:
        return 400, {**answer, "error": "no valid event" if rejected else "empty body"}, []
    return (PARTIAL if rejected else 200), answer, messages
