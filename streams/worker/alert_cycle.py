"""The worker's alerts: evaluated every ``alert_every_s``, stored, shown, and sent to webhooks."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any

import aiohttp

from streams.alerting.watch import Health, Watch, lane_views
from streams.alerting.webhooks import Delivery, Outbox, Outcome, http_post, message, webhook_key
from streams.engine.alert_rules import WINDOW_S, Alert
from streams.stages.now import agents_by_state
from streams.storage.alert_log import delivered, read_alerts, record_delivery, write_alerts
from streams.storage.kpi_reads import dead_letters_between
from streams.worker.runtime import Runtime

log = logging.getLogger("cckpi.alerts")


class AlertService:
    """Evaluates every ``alert_every_s``, then hands changes to the outbox.

    Every tick, not only after new batches: on a quiet stream an alert raised on a partial view
    (partitions read unevenly in a backlog) still resolves, the dead letters of 15 minutes of wall
    clock slide out, and a worker that writes nothing still sees its lag grow."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.watch = Watch(runtime.sla)
        self.outbox = Outbox(runtime.sla.config.alerting.webhooks, locale_of=runtime.sla.locale_of)
        self._rejected: deque[tuple[float, int]] = deque()  # (monotonic time, dead letters so far)
        self._started = False
        self._born = time.time()  # dead letters stored before this are an earlier process's
        self.evaluations = 0
        self.changes = 0  # alerts fired or resolved: what moves the alerts shown

    async def start(self) -> None:
        """Resume the alerts firing and the deliveries not made, from ClickHouse."""
        runtime = self.runtime
        alerts = await runtime._persistently("alert restore", lambda: read_alerts(runtime.store))
        self.watch = Watch(runtime.sla, [a for a in alerts if a.ended_us is None])
        if alerts and self.outbox.webhooks:
            since = min(a.started_us for a in alerts)
            done = await runtime._persistently("delivery restore", lambda: delivered(runtime.store, since))
            self.outbox.add(reversed(alerts), done)  # oldest first, as they were sent
        topic, wall, born = runtime.settings.topic, time.time(), int(self._born)
        recent = await runtime._persistently(  # those of earlier processes: this one counts its own
            "dead-letter restore", lambda: dead_letters_between(runtime.store, topic, born - WINDOW_S, born)
        )
        self._resume_dead_letters(recent, wall, time.monotonic())
        self._started = True

    def _resume_dead_letters(self, recent: list[tuple[int, int]], wall: float, now: float) -> None:
        """Put the dead letters of the last 15 minutes stored before a restart back in the window,
        as if counted at their (wall clock) times before this process's count began at zero."""
        running = -sum(count for _, count in recent)
        for at_s, count in recent:
            self._rejected.append((now - (wall - at_s), running))
            running += count

    def _dead_letters_15m(self, now: float) -> int:
        rejected = self.runtime.contacts.rejected
        self._rejected.append((now, rejected))
        while self._rejected and self._rejected[0][0] < now - WINDOW_S:
            self._rejected.popleft()
        return rejected - self._rejected[0][1]

    def health(self, consumer: Any) -> Health:
        topic = self.runtime.settings.topic
        lag = sum(max(0, high - done) for _, high, done in self.runtime.offsets(consumer, topic))
        return Health(topic, lag, self._dead_letters_15m(time.monotonic()))

    async def tick(self, consumer: Any) -> list[Alert]:
        """Evaluate; store and send what changed."""
        runtime = self.runtime
        if not self._started:
            await self.start()
        stage = runtime.contacts
        now_us = stage.watermark_us
        if now_us <= 0:
            return []
        waiting = stage.waiting(now_us)
        agents = agents_by_state(stage.agents)
        health = self.health(consumer)
        views = await asyncio.to_thread(lane_views, runtime.store, runtime.sla, now_us, waiting, agents)
        changed = self.watch.evaluate(views, health, now_us)
        self.evaluations += 1
        self.changes += len(changed)
        if changed:
            await runtime._persistently("alert write", lambda: write_alerts(runtime.store, changed))
            self.outbox.add(changed)
            for alert in changed:
                log.warning("alert %s", message(alert)["text"])
        return changed

    async def deliver(self) -> None:
        """Post to the webhooks for ever (a task of its own: a slow receiver never holds a batch)."""
        if not self.outbox.webhooks:
            return
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:

            async def record(delivery: Delivery, outcome: Outcome) -> None:
                alert, key = delivery.alert, webhook_key(delivery.webhook)
                await asyncio.to_thread(record_delivery, self.runtime.store, alert.alert_id, delivery.state,
                                        key, outcome.attempts, outcome.refused, outcome.status,
                                        delivery.body())  # fmt: skip

            await self.outbox.run(http_post(session), record)

    def shown(self, locale: str = "en") -> list[dict[str, object]]:
        """The alerts firing now, as the wallboard and the status page show them (in the viewer's
        ``locale``)."""
        return [message(alert, locale) for alert in self.watch.firing]

    def status(self) -> dict[str, Any]:
        return {"alerts_firing": len(self.watch.book.firing), "alert_evaluations": self.evaluations,
                "alert_changes": self.changes, "webhook_deliveries": self.outbox.delivered,
                "webhook_pending": self.outbox.pending, "webhook_failures": self.outbox.failures,
                "webhook_refused": self.outbox.refused, "webhook_dropped": self.outbox.dropped}  # fmt: skip
