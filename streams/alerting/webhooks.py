"""Deliver alerts to webhooks: in order per webhook, retried with jittered back-off, recorded
once taken or refused for good.

Each webhook has its own bounded queue and task, so one that is down delays nobody else, and the
pipeline only appends to the queues. A network error, a timeout, a 5xx, a 408 or a 429 is retried
(429 and 503 after their ``Retry-After``); any other answer outside 2xx (a deleted Slack hook's
404 or 410) will not change by asking again: the request is set aside (recorded as refused, with
its body for a manual resend, counted and logged as an error) and the queue moves on. A delivery
or a refusal is recorded in ClickHouse; on start the worker queues every stored alert state not
recorded for a webhook, so a restart neither loses a delivery nor sends one again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import aiohttp
import orjson

from schemas.locale_formats import duration, number, percent
from schemas.sla import Webhook
from schemas.translations import N_, gettext_for, language_of
from schemas.vocabulary import channel_name, rule_title
from streams.engine.alert_rules import Alert
from streams.engine.intervals import US_PER_S, iso_utc

log = logging.getLogger("cckpi.alerts")
FIRST_BACKOFF_S = 0.5
MAX_BACKOFF_S = 60.0
MAX_RETRY_AFTER_S = 3600.0  # a Retry-After further off is taken as an hour
MAX_QUEUED = 1000  # per webhook; past it the oldest is dropped (it stays stored: a restart sends it)
RETRIED = frozenset({408, 425, 429})  # and every 5xx: answers that may change by asking again


@dataclass(frozen=True)
class Answer:
    """What a webhook answered: its status and, if it said, when to ask again."""

    status: int
    retry_after: str | None = None  # the Retry-After header as sent


Post = Callable[[str, bytes], Awaitable[Answer]]  # (url, body) -> the answer
RecordDelivery = Callable[["Delivery", "Outcome"], Awaitable[None]]


def http_post(session: aiohttp.ClientSession) -> Post:
    """Posting JSON through ``session`` (its timeout bounds a slow receiver)."""

    async def post(url: str, body: bytes) -> Answer:
        async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as reply:
            return Answer(reply.status, reply.headers.get("Retry-After"))

    return post


def retried(status: int) -> bool:
    """Whether an answer outside 2xx may change by asking again (else the request is refused for good)."""
    return status >= 500 or status in RETRIED


def retry_after_s(header: str | None, now: datetime | None = None) -> float | None:
    """The seconds a Retry-After header asks for (delay-seconds or an HTTP date), at most an hour;
    None when absent or unreadable."""
    if not header:
        return None
    text = header.strip()
    if text.isdigit():
        return min(float(text), MAX_RETRY_AFTER_S)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    wait = (moment - (now or datetime.now(UTC))).total_seconds()
    return min(max(wait, 0.0), MAX_RETRY_AFTER_S)


def backoff_s(failures: int, uniform: Callable[[float, float], float] = random.uniform) -> float:
    """The wait after ``failures`` failures in a row: doubling from half a second up to a minute,
    drawn from its upper half (jitter, so webhooks that failed together do not retry together)."""
    ceiling = min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** min(max(failures - 1, 0), 10))
    return uniform(ceiling / 2, ceiling)


# Each rule's sentence, in the catalogs (the "alerts" domain); {kpi} is the trade's word for it
# (schemas.vocabulary), {value} and {threshold} are written as the reader's locale writes them.
_SENTENCES = {
    "service_level": N_("{kpi} over 15 min {value}, below the target {threshold}"),
    "abandon_rate": N_("{kpi} over 15 min {value}, above the ceiling {threshold}"),
    "longest_wait": N_("{kpi} {value}, above the limit {threshold}"),
    "no_agent_available": N_("{value} waiting and no agent available"),
    "consumer_lag": N_("{kpi}: {value} messages, above {threshold}"),
    "dead_letters": N_("{value} dead letters in 15 min, above {threshold}"),
}
_STATES = {"firing": N_("firing"), "resolved": N_("resolved")}


def _figure(rule: str, value: float, locale: str) -> str:
    if rule in ("service_level", "abandon_rate"):
        return percent(value, locale)
    if rule == "longest_wait":
        return duration(value, locale, "short")
    return number(value, locale)


def webhook_key(webhook: Webhook) -> str:
    """How deliveries name a webhook: a hash of its URL, which may hold a secret token."""
    return hashlib.sha256(str(webhook.url).encode()).hexdigest()[:16]


def state_of(alert: Alert) -> str:
    return "firing" if alert.ended_us is None else "resolved"


def _iso(us: int | None) -> str | None:
    return None if us is None else iso_utc(us // US_PER_S)


def message(alert: Alert, locale: str = "en") -> dict[str, object]:
    """The JSON posted for one alert state; ``text`` (in ``locale``: the client's, or the
    operator's for the pipeline) makes it a Slack incoming-webhook message too. The other fields
    are for machines and read the same in every language."""
    client, queue, channel = alert.scope
    language = language_of(locale)
    _ = gettext_for("alerts", language)
    named = (client, queue, channel_name(channel, language))
    where = "/".join(part for part in named if part) or _("pipeline")
    state = state_of(alert)
    sentence = _SENTENCES.get(alert.rule)
    title = rule_title(alert.rule, language)
    words = _(sentence).format(
        kpi=title,
        value=_figure(alert.rule, alert.value, locale),
        threshold=_figure(alert.rule, alert.threshold, locale),
    ) if sentence else alert.rule  # fmt: skip
    mark = ":red_circle:" if state == "firing" else ":large_green_circle:"
    return {
        "id": alert.alert_id, "state": state, "rule": alert.rule,
        "client": client, "queue": queue, "channel": channel,
        "value": alert.value, "threshold": alert.threshold,
        "started_at": _iso(alert.started_us), "ended_at": _iso(alert.ended_us),
        "language": language, "title": title,
        "text": _("{mark} cckpi {state}: {where}: {words}").format(
            mark=mark, state=_(_STATES[state]), where=where, words=words
        ),
    }  # fmt: skip


@dataclass(frozen=True)
class Delivery:
    alert: Alert
    webhook: Webhook
    locale: str = "en"  # the text's: the alert's client's

    @property
    def state(self) -> str:
        return state_of(self.alert)

    def body(self) -> bytes:
        return orjson.dumps(message(self.alert, self.locale))


@dataclass(frozen=True)
class Outcome:
    """How a delivery ended: taken (2xx) or refused for good, after how many attempts."""

    refused: bool
    attempts: int
    status: int


class Outbox:
    """Per-webhook bounded queues of alert states still to deliver."""

    def __init__(
        self,
        webhooks: Iterable[Webhook],
        max_queued: int = MAX_QUEUED,
        uniform: Callable[[float, float], float] = random.uniform,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        locale_of: Callable[[str | None], str] = lambda client: "en",
    ) -> None:
        self.webhooks = list(webhooks)
        self.locale_of = locale_of  # an alert's client -> the locale of its text
        self.max_queued = max_queued
        self._uniform, self._sleep = uniform, sleep
        self._queues: dict[str, deque[Delivery]] = {webhook_key(w): deque() for w in self.webhooks}
        self._ready = {key: asyncio.Event() for key in self._queues}
        self.delivered = 0
        self.failures = 0  # attempts that will be retried
        self.refused = 0  # requests a webhook refused for good, set aside
        self.dropped = 0  # alert states dropped from a full queue (still stored)

    def add(self, alerts: Iterable[Alert], done: Collection[tuple[str, str, str]] = ()) -> None:
        """Queue each alert state for every webhook, less those ``done`` (id, state, webhook); a
        full queue drops its oldest."""
        for alert in alerts:
            for webhook in self.webhooks:
                key = webhook_key(webhook)
                if (alert.alert_id, state_of(alert), key) in done:
                    continue
                queue = self._queues[key]
                if len(queue) >= self.max_queued:
                    lost = queue.popleft()
                    self.dropped += 1
                    log.error("webhook %s: %d queued, dropped %s %s (stored: a restart sends it)",
                              webhook.label, len(queue) + 1, lost.alert.alert_id, lost.state)  # fmt: skip
                queue.append(Delivery(alert, webhook, self.locale_of(alert.scope[0] or None)))
                self._ready[key].set()

    @property
    def pending(self) -> int:
        return sum(len(q) for q in self._queues.values())

    async def run(self, post: Post, record: RecordDelivery) -> None:
        """Deliver for ever, one task per webhook."""
        await asyncio.gather(*(self._deliver(w, post, record) for w in self.webhooks))

    async def _deliver(self, webhook: Webhook, post: Post, record: RecordDelivery) -> None:
        key = webhook_key(webhook)
        queue, ready = self._queues[key], self._ready[key]
        failures = attempts = 0
        trying: Delivery | None = None
        while True:
            if not queue:
                ready.clear()
                await ready.wait()
                continue
            delivery = queue[0]
            if delivery is not trying:  # attempts are counted per request
                trying, attempts = delivery, 0
            attempts += 1
            wait = None
            try:
                answer = await post(str(webhook.url), delivery.body())
                status, problem = answer.status, f"HTTP {answer.status}"
                wait = retry_after_s(answer.retry_after) if status in (429, 503) else None
            except Exception as error:  # the receiver is down or slow: keep the message, retry
                status, problem = 0, str(error) or type(error).__name__
            taken = 200 <= status < 300
            if taken or (status and not retried(status)):
                if not taken:
                    self.refused += 1
                    log.error("webhook %s REFUSED %s %s for good (%s, attempt %d): set aside, kept in "
                              "alert_deliveries for a manual resend", webhook.label, delivery.alert.alert_id,
                              delivery.state, problem, attempts)  # fmt: skip
                try:
                    await record(delivery, Outcome(not taken, attempts, status))
                except Exception as error:  # at worst a restart sends it again
                    log.warning("webhook %s: outcome of %s not recorded: %s", webhook.label,
                                delivery.alert.alert_id, error)  # fmt: skip
                if queue and queue[0] is delivery:  # not dropped from a full queue meanwhile
                    queue.popleft()
                self.delivered += taken
                failures = 0
                continue
            failures += 1
            self.failures += 1
            delay = wait if wait is not None else backoff_s(failures, self._uniform)
            log.warning("webhook %s: %s; %d queued, retry in %.1fs", webhook.label, problem, len(queue),
                        delay)  # fmt: skip
            await self._sleep(delay)
