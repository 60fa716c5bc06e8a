"""A scaled scenario is the same centre, busier: the query benchmark's 30 days of 10M events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from producers.scenario import DEFAULT_SCENARIO, busiest_start, scaled
from producers.simulator import Simulator, opening
from schemas.sla import load_sla


def _arrivals(factor: float, hours: int = 6) -> int:
    start = datetime(2026, 10, 1, 6, tzinfo=UTC)
    end = start.timestamp() + hours * 3600
    simulator = Simulator(start, seed=3, scenario=scaled(DEFAULT_SCENARIO, factor))
    count = 0
    for at, event in simulator.events():
        if at >= end:
            break
        count += event["type"] == "contact.arrived"
    return count


def test_scaling_multiplies_contacts_agents_and_customers() -> None:
    busier = scaled(DEFAULT_SCENARIO, 3)
    for plain, big in zip(DEFAULT_SCENARIO.clients, busier.clients, strict=True):
        assert big.customers == 3 * plain.customers
        for team, big_team in zip(plain.teams, big.teams, strict=True):
            assert big_team.daily_contacts == 3 * team.daily_contacts
            assert big_team.agents == 3 * team.agents
    assert 2.5 < _arrivals(3) / _arrivals(1) < 3.5  # Poisson arrivals: about three times as many


@pytest.mark.parametrize("hour", [0, 6, 13, 14, 21])
def test_the_demo_starts_where_every_centre_is_at_work(hour: int) -> None:
    """Whenever the demo is run, its first simulated minutes show every client answering."""
    now = datetime(2026, 12, 4, hour, 30, tzinfo=UTC)
    start = busiest_start(DEFAULT_SCENARIO, now)
    assert now - timedelta(hours=24) < start <= now and start.minute == 0
    answering = {e["client"] for _, e in Simulator(start, seed=hour).events(start + timedelta(minutes=20))
                 if e["type"] == "contact.answered"}  # fmt: skip
    assert answering == {client.name for client in DEFAULT_SCENARIO.clients}


def test_calls_and_chats_do_not_arrive_while_the_centre_is_closed() -> None:
    """acme opens 08:00-18:00 Zurich time on weekdays: over a weekday and a Saturday its calls and
    chats arrive only then (the IVR plays the closed message), its emails at any hour, and the
    other clients (no opening hours) all day."""
    sla = load_sla(Path(__file__).parents[3] / "sla.example.yaml")
    start = datetime(2026, 11, 27, 0, tzinfo=UTC)  # a Friday (acme closes at 17:00) and a Saturday
    hours: dict[tuple[str, str], set[int]] = {}
    for _, e in Simulator(start, seed=5, open_at=opening(sla)).events(start + timedelta(days=2)):
        if e["type"] == "contact.arrived":
            local = datetime.fromisoformat(e["occurred_at"]).astimezone(ZoneInfo("Europe/Zurich"))
            hours.setdefault((e["client"], e["channel"]), set()).add(local.weekday() * 24 + local.hour)
    assert hours[("acme", "call")] | hours[("acme", "chat")] <= set(range(4 * 24 + 8, 4 * 24 + 17))
    assert len(hours[("acme", "call")]) == 9
    assert any(h < 4 * 24 + 8 or h >= 4 * 24 + 17 for h in hours[("acme", "email")])
    assert any(h >= 5 * 24 for h in hours[("globex", "call")])  # no opening hours: open on Saturday
