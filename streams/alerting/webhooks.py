"""Deliver alerts to webhooks: in order per webhook, retried with back-off, recorded once taken.

Each webhook has its own queue and task, so one that is down delays nobody else, and the
pipeline only appends to the queues. A delivery is recorded in ClickHouse when the webhook
answers 2xx; on start the worker queues every stored alert state not recorded for a webhook,
so a restart neither loses a delivery nor sends one again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass

import orjson

from schemas.sla import Webhook
from streams.engine.alerts import Alert
from streams.engine.intervals import US_PER_S, iso_utc

log = logging.getLogger("cckpi.alerts")
MAX_BACKOFF_S = 60.0
Post = Callable[[str, bytes], Awaitable[int]]  # (url, body) -> HTTP status
RecordDelivery = Callable[["Delivery"], Awaitable[None]]

_WORDS = {
    "service_level": "service level over 15 min {value:.0%} below target {threshold:.0%}",
    "abandon_rate": "abandon rate over 15 min {value:.0%} above ceiling {threshold:.0%}",
    "longest_wait": "longest wait {value:.0f} s above limit {threshold:.0f} s",
    "no_agent_available": "{value:.0f} waiting and no agent available",
    "consumer_lag": "consumer lag {value:.0f} messages above {threshold:.0f}",
    "dead_letters": "{value:.0f} dead letters in 15 min, above {threshold:.0f}",
}


def webhook_key(webhook: Webhook) -> str:
    """How deliveries name a webhook: a hash of its URL, which may hold a secret token."""
    return hashlib.sha256(str(webhook.url).encode()).hexdigest()[:16]


def state_of(alert: Alert) -> str:
    return "firing" if alert.ended_us is None else "resolved"


def _iso(us: int | None) -> str | None:
    return None if us is None else iso_utc(us // US_PER_S)


def message(alert: Alert) -> dict[str, object]:
    """The JSON posted for one alert state; ``text`` makes it a Slack incoming-webhook message too."""
    client, queue, channel = alert.scope
    where = "/".join(part for part in (client, queue, channel) if part) or "pipeline"
    state = state_of(alert)
    words = _WORDS.get(alert.rule, "{value}").format(value=alert.value, threshold=alert.threshold)
    mark = ":red_circle:" if state == "firing" else ":large_green_circle:"
    return {
        "id": alert.alert_id, "state": state, "rule": alert.rule,
        "client": client, "queue": queue, "channel": channel,
        "value": alert.value, "threshold": alert.threshold,
        "started_at": _iso(alert.started_us), "ended_at": _iso(alert.ended_us),
        "text": f"{mark} cckpi {state}: {where}: {words}",
    }  # fmt: skip


@dataclass(frozen=True)
class Delivery:
    alert: Alert
    webhook: Webhook

    @property
    def state(self) -> str:
        return state_of(self.alert)


class Outbox:
    """Per-webhook queues of alert states still to deliver."""

    def __init__(self, webhooks: Iterable[Webhook]) -> None:
        self.webhooks = list(webhooks)
        self._queues: dict[str, deque[Delivery]] = {webhook_key(w): deque() for w in self.webhooks}
        self._ready = {key: asyncio.Event() for key in self._queues}
        self.delivered = 0
        self.failures = 0

    def add(self, alerts: Iterable[Alert], done: Collection[tuple[str, str, str]] = ()) -> None:
        """Queue each alert state for every webhook, less those ``done`` (id, state, webhook)."""
        for alert in alerts:
            for webhook in self.webhooks:
                key = webhook_key(webhook)
                if (alert.alert_id, state_of(alert), key) not in done:
                    self._queues[key].append(Delivery(alert, webhook))
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
        failures = 0
        while True:
            if not queue:
                ready.clear()
                await ready.wait()
                continue
            delivery = queue[0]
            try:
                status = await post(str(webhook.url), orjson.dumps(message(delivery.alert)))
                ok = 200 <= status < 300
                problem = f"HTTP {status}"
            except Exception as error:  # the receiver is down or slow: keep the message, retry
                ok, problem = False, str(error) or type(error).__name__
            if ok:
                try:
                    await record(delivery)
                except Exception as error:  # delivered all the same: at worst a restart sends it again
                    log.warning("webhook %s: delivery of %s not recorded: %s", webhook.label,
                                delivery.alert.alert_id, error)  # fmt: skip
                queue.popleft()
                self.delivered += 1
                failures = 0
                continue
            failures += 1
            self.failures += 1
            delay = min(MAX_BACKOFF_S, 0.5 * 2 ** min(failures, 10))
            log.warning("webhook %s: %s; %d queued, retry in %.1fs", webhook.label, problem, len(queue),
                        delay)  # fmt: skip
            await asyncio.sleep(delay)
