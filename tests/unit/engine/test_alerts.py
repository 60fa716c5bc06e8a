"""Alert rules and lifecycle (kpis.md "Alerts") on hand-made views of a queue."""

from __future__ import annotations

import random

import pytest

from schemas.sla import SlaFile, SlaSettings
from streams.engine.alert_rules import AlertBook, Breach, LaneView, alert_id, lane_breaches, pipeline_breaches

SLA = SlaSettings(SlaFile.model_validate({
    "defaults": {"sl_target": 0.8, "abandon_rate_max": 0.1, "channels": {"call": {"sl_threshold_s": 20}}},
    "clients": {"quiet": {"alerts": False}, "big": {"alert_min_offered": 50, "alert_longest_wait_s": 300}},
}))  # fmt: skip
LANE = ("acme", "billing", "call")
MIN = 60_000_000  # one minute in microseconds


def rules(scope: tuple[str, str, str] = LANE):  # type: ignore[no-untyped-def]
    return SLA.thresholds(*scope)


def test_service_level_below_target_needs_the_minimum_volume() -> None:
    assert [b.rule for b in lane_breaches(LANE, LaneView(offered=5, service_level=0.6), rules())] == [
        "service_level"
    ]
    assert lane_breaches(LANE, LaneView(offered=4, service_level=0.0), rules()) == []  # default minimum: 5
    assert lane_breaches(LANE, LaneView(offered=5, service_level=0.8), rules()) == []  # at target: fine
    big = ("big", "q", "call")
    assert lane_breaches(big, LaneView(offered=49, service_level=0.1), rules(big)) == []
    for channel in ("email", "social", "form"):  # thresholds of 1-2 hours: 15 minutes cannot judge them
        lane = ("acme", "billing", channel)
        assert lane_breaches(lane, LaneView(offered=50, service_level=0.0), rules(lane)) == []
    messaging = ("acme", "billing", "messaging")  # 15 minutes: the window judges it
    assert [
        b.rule for b in lane_breaches(messaging, LaneView(offered=50, service_level=0.0), rules(messaging))
    ] == ["service_level"]


def test_abandon_rate_above_the_ceiling() -> None:
    (breach,) = lane_breaches(LANE, LaneView(offered=20, service_level=0.9, abandon_rate=0.15), rules())
    assert (breach.rule, breach.value, breach.threshold) == ("abandon_rate", 0.15, 0.1)
    assert lane_breaches(LANE, LaneView(offered=20, service_level=0.9, abandon_rate=0.1), rules()) == []


def test_longest_wait_defaults_to_twice_the_threshold() -> None:
    waiting = LaneView(waiting=2, longest_wait_s=40.5, available=1)
    assert [(b.rule, b.threshold) for b in lane_breaches(LANE, waiting, rules())] == [("longest_wait", 40.0)]
    assert lane_breaches(LANE, LaneView(waiting=2, longest_wait_s=40.0, available=1), rules()) == []
    big = ("big", "q", "call")
    assert lane_breaches(big, LaneView(waiting=1, longest_wait_s=299, available=1), rules(big)) == []


def test_waiting_with_nobody_available_but_not_a_backlog_of_written_work() -> None:
    view = LaneView(waiting=3, longest_wait_s=1, available=0)
    assert [b.rule for b in lane_breaches(LANE, view, rules())] == ["no_agent_available"]
    assert [b.rule for b in lane_breaches(LANE, LaneView(waiting=1, available=None), rules())] == [
        "no_agent_available"
    ]
    for channel in ("email", "messaging", "social", "form"):
        lane = ("acme", "billing", channel)
        assert lane_breaches(lane, view, rules(lane)) == []
    chat = ("acme", "billing", "chat")
    assert [b.rule for b in lane_breaches(chat, view, rules(chat))] == ["no_agent_available"]
    assert lane_breaches(LANE, LaneView(waiting=0, available=0), rules()) == []


def test_a_client_can_switch_lane_alerts_off() -> None:
    quiet = ("quiet", "q", "call")
    assert (
        lane_breaches(quiet, LaneView(offered=99, service_level=0.0, waiting=9, available=0), rules(quiet))
        == []
    )


def test_pipeline_rules() -> None:
    assert [b.rule for b in pipeline_breaches("t", 10_001, 10_000, 11, 10)] == [
        "consumer_lag",
        "dead_letters",
    ]
    assert pipeline_breaches("t", 10_000, 10_000, 10, 10) == []


def breach(value: float = 0.5) -> Breach:
    return Breach("service_level", LANE, value, 0.8)


def test_fires_once_stays_quiet_while_firing_and_resolves_after_two_clean_evaluations() -> None:
    book = AlertBook()
    (fired,) = book.evaluate([breach(0.6)], 1 * MIN)
    assert fired.ended_us is None and fired.alert_id == alert_id("service_level", LANE, MIN)
    assert book.evaluate([breach(0.4)], 2 * MIN) == []  # still firing: nothing new to send
    assert book.evaluate([], 3 * MIN) == []  # one clean evaluation is not enough
    (resolved,) = book.evaluate([], 4 * MIN)
    assert (resolved.alert_id, resolved.started_us, resolved.ended_us) == (fired.alert_id, MIN, 4 * MIN)
    assert resolved.value == 0.4  # the worst seen while it fired
    assert book.firing == {}


def test_flapping_is_held_back() -> None:
    """A value crossing the threshold at every other evaluation makes one alert, not many."""
    book = AlertBook()
    changes = [c for t in range(1, 21) for c in book.evaluate([breach()] if t % 2 else [], t * MIN)]
    assert len(changes) == 1 and changes[0].ended_us is None


@pytest.mark.parametrize("seed", range(5))
def test_random_sequences_alternate_fire_and_resolve(seed: int) -> None:
    """Whatever the sequence, per scope: fired, resolved, fired, ... and every resolution follows
    two clean evaluations; a book restored from the firing alerts goes on the same way."""
    rng = random.Random(seed)
    scopes = [("acme", q, "call") for q in "abc"]
    book, log = AlertBook(), []
    for t in range(1, 200):
        holding = [Breach("service_level", s, 0.5, 0.8) for s in scopes if rng.random() < 0.4]
        if t == 100:
            book = AlertBook(book.firing.values())  # a restart, from what was stored
        log += book.evaluate(holding, t * MIN)
    for scope in scopes:
        mine = [a for a in log if a.scope == scope]
        assert [a.ended_us is None for a in mine] == [i % 2 == 0 for i in range(len(mine))]
        for fired, resolved in zip(mine[::2], mine[1::2], strict=False):
            assert resolved.alert_id == fired.alert_id and resolved.ended_us > fired.started_us  # type: ignore[operator]
