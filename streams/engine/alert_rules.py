"""Alert rules and their lifecycle (kpis.md "Alerts"): pure functions over what the pipeline sees.

A rule *holds* for a scope at an evaluation; an alert fires once when its rule starts to hold,
stays firing (never sent again) while it holds, and resolves after two evaluations in a row
in which it did not hold, so a value hovering at the threshold does not flap.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace

from schemas.channels import is_synchronous
from schemas.sla import Thresholds
from schemas.targets import meets
from streams.engine.intervals import US_PER_S

Scope = tuple[str, str, str]  # client, queue, channel; pipeline rules: ("", topic, "")
CLEAN_TO_RESOLVE = 2
WINDOW_S = 15 * 60  # the SL and abandon-rate rules look at the arrivals of the last 15 minutes
LANE_RULES = ("service_level", "abandon_rate", "longest_wait", "no_agent_available")
PIPELINE_RULES = ("consumer_lag", "dead_letters")


@dataclass(frozen=True, slots=True)
class Breach:
    """A rule holding for a scope now: its value against its threshold."""

    rule: str
    scope: Scope
    value: float
    threshold: float


@dataclass(frozen=True, slots=True)
class LaneView:
    """What one (client, queue, channel) looks like at an evaluation.

    ``offered``, ``service_level`` and ``abandon_rate`` are over the last 15 minutes of event
    time; ``waiting``, ``longest_wait_s`` and ``available`` (agents available in the queue;
    None: no agent of it ever seen) are now."""

    offered: int = 0
    service_level: float | None = None
    abandon_rate: float | None = None
    waiting: int = 0
    longest_wait_s: float = 0.0
    available: int | None = None


def lane_breaches(scope: Scope, view: LaneView, rules: Thresholds) -> list[Breach]:
    """The lane rules that hold for one (client, queue, channel)."""
    if not rules.alerts_enabled:
        return []
    found = []
    level = view.service_level
    # A contact whose threshold is longer than the window (email: 2 h, social: 1 h) cannot have met it yet:
    # the window says nothing about its service level, and its longest-wait alert covers it.
    judged = rules.sl_threshold_us <= WINDOW_S * US_PER_S
    offered_enough = view.offered >= rules.alert_min_offered
    if judged and offered_enough and level is not None and not meets("service_level", level, rules.sl_target):
        found.append(Breach("service_level", scope, level, rules.sl_target))
    ceiling, rate = rules.abandon_rate_max, view.abandon_rate
    if ceiling is not None and rate is not None and not meets("abandon_rate", rate, ceiling):
        found.append(Breach("abandon_rate", scope, rate, ceiling))
    limit_s = rules.alert_longest_wait_us / US_PER_S
    if view.waiting and view.longest_wait_s > limit_s:
        found.append(Breach("longest_wait", scope, view.longest_wait_s, limit_s))
    # A backlog of written work overnight is normal; a call or chat waiting for nobody is not.
    if view.waiting and is_synchronous(scope[2]) and not view.available:
        found.append(Breach("no_agent_available", scope, float(view.waiting), 0.0))
    return found


def pipeline_breaches(
    topic: str, lag: int, max_lag: int, dead_letters_15m: int, max_dead_letters: int
) -> list[Breach]:
    """The pipeline-health rules that hold: consumer lag and dead letters over their limits."""
    scope = ("", topic, "")
    found = []
    if lag > max_lag:
        found.append(Breach("consumer_lag", scope, float(lag), float(max_lag)))
    if dead_letters_15m > max_dead_letters:
        found.append(Breach("dead_letters", scope, float(dead_letters_15m), float(max_dead_letters)))
    return found


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert from firing to resolution; ``ended_us`` is None while it fires."""

    alert_id: str
    rule: str
    scope: Scope
    value: float  # at firing, then the worst seen while firing
    threshold: float
    started_us: int
    ended_us: int | None = None
    clean: int = 0  # evaluations in a row without the rule holding

    @property
    def key(self) -> tuple[str, Scope]:
        return self.rule, self.scope


def alert_id(rule: str, scope: Scope, started_us: int) -> str:
    """Stable across restarts and workers: the same firing always has the same id."""
    text = "\x1f".join((rule, *scope, str(started_us)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


_LOWER_IS_WORSE = frozenset({"service_level"})


def _worse(rule: str, old: float, new: float) -> float:
    return min(old, new) if rule in _LOWER_IS_WORSE else max(old, new)


class AlertBook:
    """The alerts firing now; :meth:`evaluate` returns what fired or resolved at an evaluation."""

    def __init__(self, firing: Iterable[Alert] = ()) -> None:
        self.firing: dict[tuple[str, Scope], Alert] = {a.key: a for a in firing if a.ended_us is None}

    def evaluate(self, breaches: Iterable[Breach], at_us: int) -> list[Alert]:
        """Apply one evaluation at event time ``at_us``; return the alerts that fired or resolved."""
        changed = []
        holding = {(b.rule, b.scope): b for b in breaches}
        for key, breach in holding.items():
            alert = self.firing.get(key)
            if alert is None:
                alert = Alert(alert_id(breach.rule, breach.scope, at_us), breach.rule, breach.scope,
                              breach.value, breach.threshold, at_us)  # fmt: skip
                changed.append(alert)
            else:
                alert = replace(alert, clean=0, value=_worse(alert.rule, alert.value, breach.value))
            self.firing[key] = alert
        for key, alert in list(self.firing.items()):
            if key in holding:
                continue
            if alert.clean + 1 >= CLEAN_TO_RESOLVE:
                del self.firing[key]
                changed.append(replace(alert, clean=alert.clean + 1, ended_us=max(at_us, alert.started_us)))
            else:
                self.firing[key] = replace(alert, clean=alert.clean + 1)
        return changed
