"""Chatwoot's webhooks as contract events: each payload gives the same events every time.

Chatwoot sends its conversation (``conversation_created``, ``conversation_status_changed``,
``conversation_updated``, before 2.5 ``conversation_resolved``) and message (``message_created``,
``message_updated``) objects as they stand when the webhook is built. A conversation is a contact;
its inbox says the client, queue and channel (the queue map, keyed by inbox id). InboxPlace each value
is in each version's payload is :mod:`producers.bridges.chatwoot_shapes`'s; the mapping, and what a
webhook cannot tell, is the README's table ("Chatwoot").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from producers.bridges.archive import read_record
from producers.bridges.base import Account, Unreadable
from producers.bridges.chatwoot_shapes import (
    Unconvertible,
    changed_s,
    created_s,
    customer_of,
    epoch_s,
    first_reply_s,
    from_customer,
    message_s,
    obj,
    rating,
    sent_by_agent,
    sent_by_bot,
    started_by_agent,
    status_now,
)
from producers.bridges.ids import event_id
from producers.bridges.queue_map import QueueMap
from producers.bridges.receiver import Converted
from producers.envelope import EventDict, envelope
from producers.outputs import message_key
from schemas.channels import Channel

__all__ = ["ChatwootBridge", "Unconvertible"]

# The contract's channel of each of Chatwoot's inbox types (the `channel` of a conversation): its
# web chat is answered while the customer waits; WhatsApp, SMS (Twilio's either), Messenger,
# Instagram, Telegram, LINE and TikTok are messaging apps; X (Twitter) is a social network. An
# API inbox, or one of a type Chatwoot adds later, is a chat unless the queue map names its channel.
CHANNEL_OF_INBOX: dict[str, Channel] = {
    "Channel::WebWidget": "chat",
    "Channel::Email": "email",
    "Channel::Whatsapp": "messaging",
    "Channel::TwilioSms": "messaging",
    "Channel::Sms": "messaging",
    "Channel::FacebookPage": "messaging",
    "Channel::Instagram": "messaging",
    "Channel::Telegram": "messaging",
    "Channel::Line": "messaging",
    "Channel::Tiktok": "messaging",
    "Channel::TwitterProfile": "social",
    "Channel::Voice": "call",
}
UNASSIGNED = "unassigned"  # the agent of a conversation resolved with nobody assigned
CONVERSATION_EVENTS = ("conversation_created", "conversation_status_changed", "conversation_updated",
                       "conversation_resolved", "conversation_opened")  # fmt: skip
NO_TIME = "resolved, no time in the payload (Chatwoot before 4.0.2, replayed without its receipt time)"
NO_CREATION_TIME = (
    "conversation_created without a time (before 2.14: its first customer message is its arrival)"
)
REOPEN_UNTIMED = "reopened, without its customer or time"
InboxPlace = tuple[str, str, str, str]  # client, queue, channel, contact id


@dataclass
class ChatwootBridge:
    """Converts payloads in the order Chatwoot sent them; remembers each conversation's first
    agent reply where the payload does not carry it (Chatwoot before 2.12)."""

    queues: QueueMap
    answered: dict[str, float] = field(default_factory=dict)  # contact id -> first agent reply
    bots: dict[str, str] = field(default_factory=dict)  # contact id -> the bot that wrote in it
    # Conversations seen resolved (by their first contact id), and how often each was reopened:
    # a reopened conversation is a new contact of the same customer (kpis.md: a repeat for FCR).
    closed: set[str] = field(default_factory=set)
    reopens: dict[str, int] = field(default_factory=dict)
    account: Account = field(default_factory=Account)

    def convert(self, number: int, record: str | bytes) -> list[EventDict]:
        """The events of one archive line or payload (the Bridge protocol): what cannot be read is
        counted with its line and reason, never raised."""
        raw = record.encode() if isinstance(record, str) else record
        if not raw.strip():
            return []
        received = read_record(raw.strip())
        try:
            return self.convert_body(received.body, received.received_s)
        except Unconvertible as error:
            self.account.refuse(Unreadable(number, str(error), raw.decode("utf-8", "replace")[:2000]))
            return []

    def webhook(self, body: bytes, received_s: float) -> Converted:
        """The receiver's conversion of one webhook: its events to produce, and the answer."""
        try:
            events = self.convert_body(body, received_s)
        except Unconvertible as error:
            self.account.refuse(Unreadable(0, str(error), body.decode("utf-8", "replace")[:2000]))
            return 422, {"error": str(error)}, []
        return 200, {"events": len(events)}, [(message_key(e), orjson.dumps(e)) for e in events]

    def memory(self) -> dict[str, Any]:
        """What later payloads need (first agent replies), kept with a replay's position."""
        return {"answered": self.answered, "bots": self.bots, "closed": sorted(self.closed),
                "reopens": self.reopens}  # fmt: skip

    def recall(self, memory: Mapping[str, Any]) -> None:
        self.answered = dict(memory.get("answered", {}))
        self.bots = dict(memory.get("bots", {}))
        self.closed = set(memory.get("closed", []))
        self.reopens = dict(memory.get("reopens", {}))

    def convert_body(self, body: bytes, received_s: float | None = None) -> list[EventDict]:
        """The events of one webhook body; :class:`Unconvertible` for one it cannot read."""
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            self.account.records += 1
            raise Unconvertible(f"not JSON: {error}") from None
        if not isinstance(payload, dict):
            self.account.records += 1
            raise Unconvertible("the body is not a JSON object")
        return self.convert_payload(payload, received_s)

    def convert_payload(self, payload: dict[str, Any], received_s: float | None = None) -> list[EventDict]:
        """The events of one payload (none for what it ignores, which is counted); ``received_s``
        is when the webhook came, for times the payload does not hold."""
        self.account.records += 1
        kind = payload.get("event")
        try:
            if kind in CONVERSATION_EVENTS:
                made = self._conversation(payload, str(kind), received_s)
            elif kind in ("message_created", "message_updated"):
                made = self._message(payload, received_s)
            else:
                made = []
        except Unconvertible:
            raise
        except Exception as error:  # a shape nobody has seen: reported with its line, not a traceback
            raise Unconvertible(
                f"{kind}: a payload of an unexpected shape ({type(error).__name__}: {error})"
            ) from error
        if not made:
            self.account.ignored[str(kind)] += 1
        self.account.events += len(made)
        return made

    # -- conversations -------------------------------------------------------------------

    def _where(self, conversation: dict[str, Any]) -> InboxPlace:
        """(client, queue, channel, contact id) of a conversation."""
        inbox, number = conversation.get("inbox_id"), conversation.get("id")
        if not isinstance(inbox, int | str) or not isinstance(number, int | str) or isinstance(inbox, bool):
            raise Unconvertible("a conversation without its id or inbox_id")
        target = self.queues.target(str(inbox))
        if target is None:
            raise Unconvertible(f"inbox {inbox} is not in the queue map (and it has no default_client)")
        client, queue = target
        if queue == str(inbox):
            queue = f"inbox-{inbox}"  # an inbox not named in the map
        kind = conversation.get("channel")
        channel = self.queues.channel(str(inbox)) or CHANNEL_OF_INBOX.get(
            kind if isinstance(kind, str) else "", "chat"
        )
        first = self._first_id(conversation)
        again = self.reopens.get(first)
        return client, queue, channel, f"{first}:r{again}" if again else first

    def _made(self, where: InboxPlace, kind: str, at: float, source: str, **extra: Any) -> EventDict:
        client, queue, channel, contact = where
        return envelope(event_id("chatwoot", contact, kind, source), kind, at, client, queue,
                        channel=channel, contact_id=contact, **extra)  # fmt: skip

    def _conversation(self, payload: dict[str, Any], kind: str, received_s: float | None) -> list[EventDict]:
        if kind == "conversation_created":
            customer = customer_of(payload)
            if customer is None:
                raise Unconvertible("conversation_created without meta.sender.id (the customer)")
            at = created_s(payload)
            if at is None:  # 2.2 to 2.13 on a new conversation: its first customer message arrives it
                self.account.ignored[NO_CREATION_TIME] += 1
                return []
            where = self._where(payload)
            outbound = {"direction": "outbound"} if started_by_agent(payload) else {}
            return [self._made(where, "contact.arrived", at, "created", customer_id=customer, **outbound)]
        status = status_now(payload)
        if status == "resolved":
            made = self._resolved(payload, received_s)
            self.closed.add(self._first_id(payload))
            return made
        if status in ("open", "pending") and self._first_id(payload) in self.closed:
            return self._reopened(payload, received_s)
        return []

    def _first_id(self, conversation: dict[str, Any]) -> str:
        """The contact id of a conversation before any reopening."""
        return (
            f"{self.queues.system + ':' if self.queues.system else ''}cw:{conversation.get('inbox_id')}:"
            f"{conversation.get('id')}"
        )

    def _reopened(self, payload: dict[str, Any], received_s: float | None) -> list[EventDict]:
        """A resolved conversation open again (a customer wrote again, or an agent reopened it): a
        new contact of the same customer, arriving when it reopened. Chatwoot sends the change
        twice (``conversation_status_changed`` and ``conversation_updated``): it counts once."""
        customer, at = customer_of(payload), changed_s(payload, received_s)
        if customer is None or at is None:
            self.account.ignored[REOPEN_UNTIMED] += 1
            return []
        first = self._first_id(payload)
        self.closed.discard(first)
        self.reopens[first] = self.reopens.get(first, 0) + 1
        where = self._where(payload)
        return [self._made(where, "contact.arrived", at, f"reopened@{at:.3f}", customer_id=customer)]

    def _resolved(self, payload: dict[str, Any], received_s: float | None) -> list[EventDict]:
        """Ended when an agent resolves it; a chat nobody answered was abandoned first."""
        where = self._where(payload)
        channel, contact = where[2], where[3]
        at = changed_s(payload, received_s)
        if at is None:  # never guessed: the end is left out, and said
            self.account.ignored[NO_TIME] += 1
            return []
        remembered = self.answered.pop(contact, None)  # resolved: no longer needed here
        # The conversation's first reply may be from before a reopening: a reopened contact's
        # answer is an agent's message the bridge saw after it.
        reopened = self.reopens.get(self._first_id(payload))
        answered_at = remembered if reopened else first_reply_s(payload) or remembered
        bot = self.bots.get(contact)  # kept: Chatwoot sends the resolution twice
        assignee = obj(obj(payload.get("meta")).get("assignee")).get("id")
        source = f"resolved@{at:.3f}"  # each resolution its own record; the first one counts
        made = []
        if answered_at is None and bot is not None:  # a bot met it: self-service (kpis.md)
            return [self._made(where, "contact.self_served", at, source, bot_id=bot[:256])]
        if answered_at is None and channel != "email":  # closed unanswered (kpis.md, "Channels")
            made.append(self._made(where, "contact.abandoned", at, source))
        talk = max(0.0, at - answered_at) if answered_at is not None else 0.0
        agent = str(assignee) if isinstance(assignee, int | str) and str(assignee) else UNASSIGNED
        made.append(self._made(where, "contact.ended", at, source, agent_id=agent[:256],
                               talk_s=round(talk, 3), hold_s=0, wrap_s=0, resolved=True))  # fmt: skip
        return made

    # -- messages ----------------------------------------------------------------------------

    def _message(self, payload: dict[str, Any], received_s: float | None) -> list[EventDict]:
        conversation = obj(payload.get("conversation"))
        if payload.get("content_type") == "input_csat":
            return self._survey(payload, conversation, received_s)
        if from_customer(payload):
            return self._customer_wrote(payload, conversation)
        bot = sent_by_bot(payload)
        if bot is not None:  # remembered: resolved with no human answer, the bot met it
            self.bots.setdefault(self._where(conversation)[3], bot)
            return []
        if not sent_by_agent(payload):
            return []
        at = message_s(payload)
        if at is None:
            raise Unconvertible(f"message {payload.get('id')!r} without a time (created_at)")
        where = self._where(conversation)
        self.answered[where[3]] = min(at, self.answered.get(where[3], at))
        agent, source = str(obj(payload.get("sender")).get("id"))[:256], f"message:{payload.get('id')}"
        return [
            self._made(where, "contact.answered", at, source, agent_id=agent),
            self._made(where, "contact.replied", at, source, agent_id=agent),
        ]

    def _customer_wrote(self, payload: dict[str, Any], conversation: dict[str, Any]) -> list[EventDict]:
        """Before 2.14 a conversation's creation carries no time (and before 2.2 there is no
        conversation_created): a customer's message is then an arrival at its time, the first of
        which counts (kpis.md); later versions' conversation_created is the arrival."""
        if "created_at" in conversation or payload.get("event") != "message_created":
            return []
        customer, at = customer_of(conversation), message_s(payload)
        if at is None or customer is None:
            return []
        where = self._where(conversation)
        return [
            self._made(where, "contact.arrived", at, f"message:{payload.get('id')}", customer_id=customer)
        ]

    def _survey(
        self, payload: dict[str, Any], conversation: dict[str, Any], received_s: float | None
    ) -> list[EventDict]:
        """A CSAT answer. The customer may change it (for 14 days): each answer is its own event,
        at the time it was given (the conversation's ``updated_at``, which the answer moves, else
        the receipt), and the latest counts."""
        answer = rating(payload)
        if answer is None:
            return []  # the survey sent, not yet answered
        score, words = answer
        at = epoch_s(conversation.get("updated_at")) or received_s or message_s(payload)
        if at is None:
            raise Unconvertible(f"CSAT message {payload.get('id')!r} without a time")
        extra: dict[str, Any] = {"csat": score}
        if words:
            extra["comment"] = words[:2000]
        source = f"csat:{payload.get('id')}:{score}:{words}"  # a changed answer is another record
        return [self._made(self._where(conversation), "survey.answered", at, source, **extra)]
