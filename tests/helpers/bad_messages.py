"""Malformed messages of every kind, each with the words its rejection reason must contain."""

from __future__ import annotations

from typing import Any

import orjson

GOOD: dict[str, Any] = {
    "event_id": "bad-base", "schema_version": 1, "type": "contact.ended",
    "occurred_at": "2026-11-23T09:15:02.120Z", "client": "acme", "channel": "call",
    "queue": "billing", "contact_id": "c-bad", "agent_id": "a-1",
    "talk_s": 10, "hold_s": 0, "wrap_s": 5, "resolved": True,
}  # fmt: skip


def _with(**changes: Any) -> bytes:
    body = {**GOOD, **changes}
    return orjson.dumps({k: v for k, v in body.items() if v is not _DROP})


_DROP = object()

BAD_MESSAGES: list[tuple[bytes, str]] = [
    (b"not json", "invalid JSON"),
    (b"", "invalid JSON"),
    (b'{"event_id": "x", ', "invalid JSON"),
    (b"\xff\xfe\x00garbage", "invalid JSON"),
    (b"[1, 2]", "object"),
    (b"42", "object"),
    (b"null", "object"),
    (_with(type=_DROP), "missing field 'type'"),
    (_with(type="contact.teleported"), "unknown type 'contact.teleported'"),
    (_with(event_id=_DROP), "event_id"),
    (_with(event_id=""), "event_id"),
    (_with(schema_version=2), "schema_version"),
    (_with(occurred_at="2026-11-23T09:15:02"), "occurred_at"),
    (_with(occurred_at="yesterday"), "occurred_at"),
    (_with(occurred_at=1795421702), "occurred_at"),
    (_with(client=_DROP), "client"),
    (_with(channel="fax"), "channel"),
    (_with(talk_s=-1), "talk_s"),
    (_with(hold_s="10"), "hold_s"),
    (_with(resolved="yes"), "resolved"),
    (_with(agent_id=_DROP), "agent_id"),
    (_with(type="contact.arrived"), "customer_id"),
    (_with(type="contact.transferred"), "to_queue"),
    (_with(type="survey.answered"), "csat, nps or ces"),
    (_with(type="survey.answered", comment="slow but fine"), "csat, nps or ces"),
    (_with(type="survey.answered", ces=8), "ces"),
    (_with(type="survey.answered", ces=0), "ces"),
    (_with(type="survey.answered", ces=True), "ces"),
    (_with(type="survey.answered", csat=5, comment="x" * 2001), "comment"),
    (_with(type="survey.answered", csat=5, comment=5), "comment"),
    (_with(reason=""), "reason"),
    (_with(reason="r" * 65), "reason"),
    (_with(reason=7), "reason"),
    (_with(type="survey.answered", csat=6), "csat"),
    (_with(type="survey.answered", nps=3.5), "nps"),
    (_with(type="agent.state", state="sleeping"), "state"),
    # Past what a float or a parser's depth holds, and bytes that are not UTF-8 where the fast
    # decoder does not look (a field the contract does not name): refused, never raised.
    (_with(talk_s=10).replace(b'"talk_s":10', b'"talk_s":1' + b"0" * 400), "talk_s"),
    (_with(talk_s=10).replace(b'"talk_s":10', b'"talk_s":-1' + b"0" * 400), "talk_s"),
    (_with()[:-1] + b', "x": ' + b"[" * 5000 + b"]" * 5000 + b"}", "recursion limit"),
    (_with()[:-1] + b', "note": "caf\xe9"}', "invalid JSON"),
]
