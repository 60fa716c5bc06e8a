"""A scaled scenario is the same centre, busier: the query benchmark's 30 days of 10M events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from producers.scenario import DEFAULT_SCENARIO, busiest_start, scaled
from producers.simulator import Simulator


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
