"""Chatwoot webhook payloads as each release line builds them, from its presenters and models
(``Conversations::EventDataPresenter``, ``Message#webhook_data``, ``WebhookListener``) and its
documentation's samples: the 2021 shape (1.16 to 1.20, the July 2021 "Webhook Events" page),
2.14 (conversation ``created_at``; contact senders without ``type``), 3.x (``first_reply_created_at``,
``waiting_since``; no ``updated_at``) and 4.x (``updated_at`` as an epoch float). Which release
added each field is in producers/bridges/chatwoot_shapes.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

VERSIONS = ("1.20", "2.14", "3.13", "4.9")


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def conversation(
    version: str,
    number: int,
    *,
    created: float,
    last: float,
    status: str = "open",
    first_reply: float | None = None,
    updated: float | None = None,
    inbox: int = 1,
    contact: int = 12,
    assignee: int | None = 3,
    channel: str = "Channel::WebWidget",
) -> dict[str, Any]:
    """The conversation object of ``version`` (its keys, their types), as a webhook carries it."""
    sender = {
        "additional_attributes": {},
        "custom_attributes": {},
        "email": "jane@acme.inc",
        "id": contact,
        "identifier": None,
        "name": "Jane",
        "phone_number": None,
        "thumbnail": "",
        "type": "contact",
    }
    body: dict[str, Any] = {
        "additional_attributes": {"browser": {"browser_name": "Chrome"}, "referer": "http://localhost/"},
        "can_reply": True,
        "channel": channel,
        "id": number,
        "inbox_id": inbox,
        "contact_inbox": {
            "id": 7,
            "contact_id": contact,
            "inbox_id": inbox,
            "source_id": "405f1d30",
            "created_at": iso(created),
            "updated_at": iso(last),
            "hmac_verified": False,
        },
        "messages": [],
        "meta": {
            "sender": sender,
            "assignee": None
            if assignee is None
            else {
                "id": assignee,
                "name": "John",
                "available_name": "John",
                "avatar_url": "",
                "type": "user",
                "availability_status": "online",
            },
        },
        "status": status,
        "unread_count": 0,
        "agent_last_seen_at": 0,
        "contact_last_seen_at": 0,
        "timestamp": int(last),
    }
    if version == "1.20":
        return body
    body.update(custom_attributes={}, labels=[], snoozed_until=None, created_at=int(created))
    body["meta"]["team"] = None
    body["first_reply_created_at"] = None if first_reply is None else iso(first_reply)
    if version in ("3.13", "4.9"):
        body.update(
            priority=None, waiting_since=0 if first_reply else int(created), last_activity_at=int(last)
        )
    if version == "4.9":
        body["updated_at"] = updated if updated is not None else last + 0.123456
        body["meta"]["assignee_type"] = None if assignee is None else "User"
    return body


def event(
    name: str, conversation: dict[str, Any], changed: list[dict[str, Any]] | None = None, version: str = "4.9"
) -> dict[str, Any]:
    body = {**conversation, "event": name}
    if name in ("conversation_status_changed", "conversation_updated") and version != "1.20":
        body["changed_attributes"] = changed  # 2.4 on; null on conversation_status_changed
    return body


def status_change(pair: tuple[str, str], at: float) -> list[dict[str, Any]]:
    """``changed_attributes`` of the conversation_updated that comes with a status change."""
    return [
        {"status": {"previous_value": pair[0], "current_value": pair[1]}},
        {"updated_at": {"previous_value": iso(at - 5), "current_value": iso(at)}},
    ]


def message(
    version: str,
    conversation: dict[str, Any],
    message_id: int,
    at: float,
    *,
    kind: str = "outgoing",
    by: str = "user",
    content_type: str = "text",
    attributes: dict[str, Any] | None = None,
    name: str = "message_created",
) -> dict[str, Any]:
    """A message event of ``version``: ISO ``created_at``, string ``message_type``; a contact sender
    lost its ``type`` in 2.14."""
    if by == "user":
        sender: dict[str, Any] | None = {"id": 3, "name": "John", "email": "john@acme.inc", "type": "user"}
    elif by == "agent_bot":
        sender = {"id": 9, "name": "Bot", "type": "agent_bot"}
    elif by == "contact":
        sender = {"id": 12, "name": "Jane", "avatar": ""} | ({"type": "contact"} if version == "1.20" else {})
    else:
        sender = None
    return {
        "account": {"id": 1, "name": "Acme"},
        "additional_attributes": {},
        "content_attributes": attributes or {},
        "content_type": content_type,
        "content": "hello",
        "conversation": conversation,
        "created_at": iso(at),
        "id": message_id,
        "inbox": {"id": conversation["inbox_id"], "name": "Web"},
        "message_type": kind,
        "private": False,
        "sender": sender,
        "source_id": None,
        "event": name,
    }


def csat(
    conversation: dict[str, Any], message_id: int, sent: float, score: int | None, feedback: str = ""
) -> dict[str, Any]:
    """The CSAT template message (webhooked from 2.18) after the customer's answer (``message_updated``)."""
    answer = (
        {} if score is None else {"csat_survey_response": {"rating": score, "feedback_message": feedback}}
    )
    return message(
        "4.9",
        conversation,
        message_id,
        sent,
        kind="template",
        by="none",
        content_type="input_csat",
        attributes={"display_type": "emoji", "submitted_values": answer},
        name="message_updated",
    )
