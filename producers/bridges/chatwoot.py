"""Chatwoot's webhooks as contract events: each payload gives the same events every time.

Chatwoot sends its conversation (``conversation_created``, ``conversation_status_changed``,
``conversation_updated``) and message (``message_created``, ``message_updated``) objects as
they stand after the change. A conversation is a contact; its inbox says the client, queue and
channel (the queue map, keyed by inbox id). The mapping, and what a webhook cannot tell, is
the README's table ("Chatwoot").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from producers.bridges.ids import event_id
from producers.bridges.queue_map import QueueMap
from producers.simulator import rfc3339

EMAIL_CHANNELS = ("Channel::Email",)  # every other inbox type is a written conversation: chat
UNASSIGNED = "unassigned"  # the agent of a conversation resolved with nobody assigned


class Unconvertible(ValueError):
    """A payload this bridge cannot turn into events (its reason says why)."""


def _epoch_s(value: Any) -> float:
    """Chatwoot's times: epoch numbers, or ISO strings (``2021-07-23T18:02:48.000Z``,
    ``2020-03-03 13:05:57 UTC``)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value:
        text = value.replace(" UTC", "+00:00").replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise Unconvertible(f"time {value!r} is neither epoch seconds nor ISO 8601") from None
        if moment.tzinfo is None:
            raise Unconvertible(f"time {value!r} has no offset")
        return moment.timestamp()
    raise Unconvertible(f"no time in {value!r}")


def _status_change(payload: dict[str, Any]) -> str | None:
    """The status a conversation changed to, where the payload says it changed."""
    if payload.get("event") == "conversation_status_changed":
        return str(payload.get("status") or "")
    for change in payload.get("changed_attributes") or []:
        if isinstance(change, dict) and "status" in change:
            return str((change["status"] or {}).get("current_value") or "")
    return None


@dataclass
class ChatwootBridge:
    """Converts payloads in the order Chatwoot sent them; remembers each conversation's first
    agent reply where the payload does not carry it (older Chatwoot versions)."""

    queues: QueueMap
    answered: dict[str, float] = field(default_factory=dict)  # contact id -> first agent reply
    ignored: Counter[str] = field(default_factory=Counter)
    payloads: int = 0
    events: int = 0

    def convert(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        """The events of one webhook payload (none for what it ignores, which is counted);
        :class:`Unconvertible` for a payload it cannot read."""
        self.payloads += 1
        kind = payload.get("event")
        if kind in ("conversation_created", "conversation_status_changed", "conversation_updated"):
            made = self._conversation(payload, kind)
        elif kind in ("message_created", "message_updated"):
            made = self._message(payload)
        else:
            made = []
        if not made:
            self.ignored[str(kind)] += 1
        self.events += len(made)
        return made

    # -- conversations -------------------------------------------------------------------

    def _where(self, conversation: dict[str, Any]) -> tuple[str, str, str, str]:
        """(client, queue, channel, contact id) of a conversation."""
        inbox, number = conversation.get("inbox_id"), conversation.get("id")
        if inbox is None or number is None:
            raise Unconvertible("a conversation without its id or inbox_id")
        target = self.queues.target(str(inbox))
        if target is None:
            raise Unconvertible(f"inbox {inbox} is not in the queue map (and it has no default_client)")
        client, queue = target
        if queue == str(inbox):
            queue = f"inbox-{inbox}"  # an inbox not named in the map
        channel = "email" if conversation.get("channel") in EMAIL_CHANNELS else "chat"
        system = self.queues.system
        return client, queue, channel, f"{system + ':' if system else ''}cw:{inbox}:{number}"

    def _event(
        self, conversation: dict[str, Any], kind: str, at: float, source: str, **extra: Any
    ) -> dict[str, Any]:
        return self._made(self._where(conversation), kind, at, source, **extra)

    def _made(
        self, where: tuple[str, str, str, str], kind: str, at: float, source: str, **extra: Any
    ) -> dict[str, Any]:
        client, queue, channel, contact = where
        return {
            "event_id": event_id("chatwoot", contact, kind, source),
            "schema_version": 1, "type": kind, "occurred_at": rfc3339(at),
            "client": client, "channel": channel, "queue": queue, "contact_id": contact, **extra,
        }  # fmt: skip

    def _conversation(self, payload: dict[str, Any], kind: str) -> list[dict[str, Any]]:
        if kind == "conversation_created":
            sender = (payload.get("meta") or {}).get("sender") or {}
            if sender.get("id") is None:
                raise Unconvertible("conversation_created without meta.sender.id (the customer)")
            at = _epoch_s(payload.get("created_at") or payload.get("timestamp"))
            return [self._event(payload, "contact.arrived", at, "created", customer_id=f"cw:{sender['id']}")]
        if _status_change(payload) == "resolved":
            return self._resolved(payload)
        return []

    def _resolved(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        """Ended when an agent resolves it; a chat nobody answered was abandoned first."""
        at = _epoch_s(payload.get("updated_at") or payload.get("timestamp"))
        where = self._where(payload)
        channel, contact = where[2], where[3]
        first_reply = payload.get("first_reply_created_at")
        remembered = self.answered.pop(contact, None)  # resolved: no longer needed here
        answered_at = _epoch_s(first_reply) if first_reply else remembered
        assignee = ((payload.get("meta") or {}).get("assignee") or {}).get("id")
        source = f"resolved@{at:.3f}"  # each resolution its own record; the first one counts
        made = []
        if answered_at is None and channel == "chat":
            made.append(self._made(where, "contact.abandoned", at, source))
        talk = max(0.0, at - answered_at) if answered_at is not None else 0.0
        made.append(self._made(where, "contact.ended", at, source, agent_id=str(assignee or UNASSIGNED),
                                talk_s=round(talk, 3), hold_s=0, wrap_s=0, resolved=True))  # fmt: skip
        return made

    # -- messages ----------------------------------------------------------------------------

    def _message(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        conversation = payload.get("conversation") or {}
        attributes = payload.get("content_attributes") or {}
        if payload.get("content_type") == "input_csat":
            rating = (attributes.get("submitted_values") or {}).get("csat_survey_response") or {}
            if rating.get("rating") is None:
                return []  # the survey sent, not yet answered
            at = _epoch_s(payload.get("updated_at") or payload.get("created_at"))
            extra: dict[str, Any] = {"csat": int(rating["rating"])}
            if rating.get("feedback_message"):
                extra["comment"] = str(rating["feedback_message"])[:2000]
            return [self._event(conversation, "survey.answered", at, f"csat:{payload.get('id')}", **extra)]
        sender = payload.get("sender") or {}
        human = sender.get("type") == "user"  # an agent, not the customer or a bot
        if payload.get("message_type") != "outgoing" or payload.get("private") or not human:
            return []
        at = _epoch_s(payload.get("created_at"))
        where = self._where(conversation)
        self.answered[where[3]] = min(at, self.answered.get(where[3], at))
        agent, source = str(sender.get("id")), f"message:{payload.get('id')}"
        return [
            self._made(where, "contact.answered", at, source, agent_id=agent),
            self._made(where, "contact.replied", at, source, agent_id=agent),
        ]
