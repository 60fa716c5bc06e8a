"""Webhook payloads shaped as Chatwoot sends them (its documented samples and its models'
``webhook_data``), trimmed to what varies here."""

from __future__ import annotations

from typing import Any

T = 1_790_000_100 - 1_790_000_100 % 900  # an interval boundary


def conversation(number: int, inbox: int = 1, channel: str = "Channel::WebWidget", contact: int = 12,
                 status: str = "open", **fields: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "additional_attributes": {"browser": {"browser_name": "Chrome"}, "referer": "http://localhost:3000/"},
        "can_reply": True, "channel": channel, "id": number, "inbox_id": inbox,
        "contact_inbox": {"id": 7, "contact_id": contact, "inbox_id": inbox, "source_id": "405f1d30"},
        "messages": [],
        "meta": {"sender": {"id": contact, "name": "jane", "email": "jane@acme.inc", "type": "contact"},
                 "assignee": {"id": 1, "name": "John", "type": "user"}},
        "status": status, "unread_count": 0, "agent_last_seen_at": 0, "contact_last_seen_at": 0,
        "timestamp": T, **fields,
    }  # fmt: skip


def created(number: int, at: int, **kw: Any) -> dict[str, Any]:
    return {**conversation(number, created_at=at, timestamp=at, **kw), "event": "conversation_created"}


def resolved(number: int, at: int, **kw: Any) -> dict[str, Any]:
    body = conversation(number, status="resolved", timestamp=at, updated_at=at + 0.25, **kw)
    return {**body, "event": "conversation_status_changed"}


def message(
    number: int, at: int, kind: str = "outgoing", sender_type: str = "user", **kw: Any
) -> dict[str, Any]:
    return {
        "id": 1000 + at, "content": "hi", "created_at": f"{_iso(at)}", "message_type": kind,
        "content_type": "text", "private": False, "content_attributes": {}, "source_id": None,
        "sender": {"id": 1 if sender_type == "user" else 12, "name": "John", "type": sender_type},
        "inbox": {"id": kw.get("inbox", 1), "name": "Acme Support"},
        "conversation": conversation(number, **kw), "account": {"id": 1, "name": "Acme Inc"},
        "event": "message_created",
    }  # fmt: skip


def csat(number: int, at: int, rating: int | None, **kw: Any) -> dict[str, Any]:
    body = message(number, at, kind="template", **kw)
    answer = (
        {} if rating is None else {"csat_survey_response": {"rating": rating, "feedback_message": "quick!"}}
    )
    return {**body, "content_type": "input_csat", "content_attributes": {"submitted_values": answer},
            "event": "message_updated"}  # fmt: skip


def _iso(at: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def payloads(t: int) -> list[dict]:  # type: ignore[type-arg]
    """A hand-made day of Chatwoot webhooks from ``t`` on."""
    return [
        # 10: a web chat answered after 15 s by agent 1, resolved 5 minutes later, rated 5.
        created(10, t),
        message(10, t + 3, kind="incoming", sender_type="contact"),
        message(10, t + 15),
        message(10, t + 60),
        resolved(10, t + 315),
        csat(10, t + 316, None),
        csat(10, t + 320, 5),
        # 11: a chat nobody answered, resolved after 40 s: abandoned.
        created(11, t + 30, contact=13),
        resolved(11, t + 70, contact=13),
        # 12: an email (another inbox) replied after 30 minutes, resolved an hour later.
        created(12, t + 60, inbox=2, channel="Channel::Email", contact=14),
        message(12, t + 1860, inbox=2, channel="Channel::Email", contact=14),
        resolved(12, t + 5460, inbox=2, channel="Channel::Email", contact=14),
        # A bot's and a private note are not an agent's answer; other events are counted, not used.
        created(13, t + 100, contact=15),
        message(13, t + 101, sender_type="agent_bot", contact=15),
        {**message(13, t + 102, contact=15), "private": True},
        {"event": "contact_created", "id": 15},
    ]
