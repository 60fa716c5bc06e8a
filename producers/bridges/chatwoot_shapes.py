"""Where each time and value is in a Chatwoot webhook payload, in every shape Chatwoot has sent.

Read from Chatwoot's ``Conversations::EventDataPresenter``, ``Message#webhook_data`` and
``WebhookListener`` across its releases (1.x to 4.x) and its documentation's samples:

* conversation ``created_at`` (epoch, 2.14 on); before it, ``timestamp`` is the last activity
  (the creation time up to 1.8), and 0 on a new conversation from 1.9 to 3.11;
* conversation ``updated_at`` (epoch float, 4.0.2 on): the time of the change the webhook tells,
  as the payload is built; ``conversation_updated`` also carries it in ``changed_attributes``
  (2.4 on, a list of one-key objects ``{attr: {previous_value, current_value}}``, ISO times);
* ``first_reply_created_at`` (ISO, 2.12 on): the first reply by a human agent;
* message ``created_at``: ISO at the top (``2020-03-03 13:05:57 UTC`` in the oldest form),
  epoch in the conversation's ``messages``; no message has an ``updated_at``.

Payloads from the wild hold other types than these (a list where an object is expected, text
where a number is): every reader here takes any JSON value and gives None for what it cannot use.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any


class Unconvertible(ValueError):
    """A payload this bridge cannot turn into events (its reason says why)."""


def obj(value: Any) -> dict[str, Any]:
    """An object, or an empty one for anything else (null, a list, text)."""
    return value if isinstance(value, dict) else {}


def epoch_s(value: Any) -> float | None:
    """Chatwoot's times: epoch numbers (0 is Chatwoot's "none"), or ISO strings
    (``2021-07-23T18:02:48.000Z``, ``2020-03-03 13:05:57 UTC``); None for anything else."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if math.isfinite(value) and value > 0 else None
    if isinstance(value, str) and value:
        text = value.strip().replace(" UTC", "+00:00").replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        return moment.timestamp() if moment.tzinfo is not None else None
    return None


def changes(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``changed_attributes`` as attribute -> {previous_value, current_value}, whatever its form."""
    found: dict[str, dict[str, Any]] = {}
    listed = payload.get("changed_attributes")
    items = listed if isinstance(listed, list) else [listed]
    for item in items:
        for name, pair in obj(item).items():
            found[str(name)] = obj(pair)
    return found


def status_now(payload: dict[str, Any]) -> str | None:
    """The status a conversation changed to, where the payload says it changed."""
    kind = payload.get("event")
    if kind == "conversation_resolved":  # before 2.5 (its `status` could be stale)
        return "resolved"
    if kind == "conversation_opened":  # before 2.4: a resolved conversation opened again
        return "open"
    if kind == "conversation_status_changed":
        status = payload.get("status")
        return status if isinstance(status, str) else None
    change = changes(payload).get("status")
    if change is not None:
        status = change.get("current_value")
        return status if isinstance(status, str) else None
    return None


def customer_of(conversation: dict[str, Any]) -> str | None:
    """The contract's customer of a conversation: ``cw:`` and its contact's id (``meta.sender``,
    the same across the account's inboxes), or None where it has none."""
    found = obj(obj(conversation.get("meta")).get("sender")).get("id")
    return f"cw:{found}" if isinstance(found, int | str) and not isinstance(found, bool) else None


def created_s(conversation: dict[str, Any]) -> float | None:
    """When a conversation was created: ``created_at``, else the last activity it carries (its
    creation up to 1.8, its first message after)."""
    return epoch_s(conversation.get("created_at")) or epoch_s(conversation.get("timestamp"))


def changed_s(payload: dict[str, Any], received_s: float | None) -> float | None:
    """When the change a conversation event tells happened: the ``updated_at`` the change itself
    carries, else the conversation's, else the time the webhook was received (None: unknown)."""
    pair = changes(payload).get("updated_at", {})
    return epoch_s(pair.get("current_value")) or epoch_s(payload.get("updated_at")) or received_s


def first_reply_s(conversation: dict[str, Any]) -> float | None:
    return epoch_s(conversation.get("first_reply_created_at"))


def message_s(message: dict[str, Any]) -> float | None:
    return epoch_s(message.get("created_at"))


def rating(message: dict[str, Any]) -> tuple[int, str] | None:
    """The CSAT answer of an ``input_csat`` message (rating 1-5, the customer's words), None
    before the customer answers; Unconvertible for a rating that is no score."""
    attributes = obj(message.get("content_attributes"))
    submitted = obj(attributes.get("submitted_values"))
    answer = obj(submitted.get("csat_survey_response"))
    score = answer.get("rating")
    if score is None:
        return None
    if isinstance(score, str) and score.strip().isdigit():
        score = int(score)
    if isinstance(score, bool) or not isinstance(score, int | float) or not float(score).is_integer():
        raise Unconvertible(f"CSAT rating {score!r} is not a whole number")
    if not 1 <= score <= 5:
        raise Unconvertible(f"CSAT rating {score} is not between 1 and 5")
    words = answer.get("feedback_message")
    return int(score), words.strip() if isinstance(words, str) else ""


def from_customer(message: dict[str, Any]) -> bool:
    """An incoming message: the customer's."""
    kind = message.get("message_type")
    return (kind == "incoming" or kind == 0) and not message.get("private")


def sent_by_agent(message: dict[str, Any]) -> bool:
    """An outgoing, public message of a human agent (not the customer, a bot or a template)."""
    kind = message.get("message_type")
    outgoing = kind == "outgoing" or kind == 1
    sender = obj(message.get("sender"))
    return outgoing and not message.get("private") and sender.get("type") == "user"


def sent_by_bot(message: dict[str, Any]) -> str | None:
    """The bot that wrote an outgoing, public message (``sender.type`` ``agent_bot``, its id), or
    None: a human's, the customer's, or a message with no sender (Chatwoot's own)."""
    kind = message.get("message_type")
    sender = obj(message.get("sender"))
    if not (kind == "outgoing" or kind == 1) or message.get("private") or sender.get("type") != "agent_bot":
        return None
    found = sender.get("id")
    return f"bot:{found}" if isinstance(found, int | str) and not isinstance(found, bool) else "bot"


def started_by_agent(conversation: dict[str, Any]) -> bool:
    """A conversation an agent started (from the contact's page, the API, a WhatsApp template):
    Chatwoot writes it and its first message together, so the first message of a new
    conversation's payload is the agent's (``message_type`` 1, outgoing, or 3, template, by a
    ``User``). Chatwoot has no field that says so; a customer's first message says the opposite."""
    messages = conversation.get("messages")
    if not isinstance(messages, list) or not messages:
        return False
    first = obj(messages[0])
    return first.get("message_type") in (1, 3, "outgoing", "template") and first.get("sender_type") == "User"
