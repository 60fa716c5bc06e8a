"""Evaluate the alert rules against the pipeline as it is now, and keep the book of firing alerts."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.sla import SlaSettings
from streams.engine.alert_rules import (
    WINDOW_S,
    Alert,
    AlertBook,
    Breach,
    LaneView,
    lane_breaches,
    pipeline_breaches,
)
from streams.engine.intervals import MINUTE_S, US_PER_S
from streams.engine.totals import Lane
from streams.storage.backends.protocol import ClickHouse
from streams.storage.kpi_reads import read_kpi_rows


@dataclass(frozen=True)
class Health:
    """The pipeline's own figures at an evaluation."""

    topic: str
    lag: int
    dead_letters_15m: int


def lane_views(
    store: ClickHouse,
    sla: SlaSettings,
    now_us: int,
    waiting: dict[Lane, dict[str, float]],
    agents: dict[tuple[str, str], dict[str, int]],
) -> dict[Lane, LaneView]:
    """Every lane with contacts in the last 15 minutes of event time or waiting now."""
    now_s = now_us // US_PER_S
    since = now_s - WINDOW_S - now_s % MINUTE_S
    rows = read_kpi_rows(store, MINUTE_S, since_s=since, per_interval=False, formula=sla.formula)
    window = {(r.client, r.queue, r.channel): r for r in rows}
    views = {}
    for lane in sorted(set(window) | set(waiting)):
        row, now = window.get(lane), waiting.get(lane, {})
        states = agents.get(lane[:2])
        views[lane] = LaneView(
            offered=row.offered if row else 0,
            service_level=row.service_level if row else None,
            abandon_rate=row.abandon_rate if row else None,
            waiting=int(now.get("waiting", 0)),
            longest_wait_s=now.get("longest_wait_s", 0.0),
            available=None if states is None else states.get("available", 0),
        )
    return views


def breaches(sla: SlaSettings, views: dict[Lane, LaneView], health: Health | None) -> list[Breach]:
    found = [b for lane, view in views.items() for b in lane_breaches(lane, view, sla.thresholds(*lane))]
    if health is not None:
        limits = sla.config.alerting
        found += pipeline_breaches(
            health.topic, health.lag, limits.max_lag, health.dead_letters_15m, limits.max_dead_letters_15m
        )
    return found


class Watch:
    """The alert book and the evaluations that move it."""

    def __init__(self, sla: SlaSettings, firing: list[Alert] | None = None) -> None:
        self.sla = sla
        self.book = AlertBook(firing or [])

    def evaluate(self, views: dict[Lane, LaneView], health: Health | None, now_us: int) -> list[Alert]:
        """One evaluation at event time ``now_us``: the alerts that fired or resolved."""
        return self.book.evaluate(breaches(self.sla, views, health), now_us)

    @property
    def firing(self) -> list[Alert]:
        return sorted(self.book.firing.values(), key=lambda a: (a.started_us, a.alert_id))
