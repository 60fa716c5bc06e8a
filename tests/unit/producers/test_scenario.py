"""A scaled scenario is the same centre, busier: the query benchmark's 30 days of 10M events."""

from __future__ import annotations

from datetime import UTC, datetime

from producers.scenario import DEFAULT_SCENARIO, scaled
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
