"""The one rule every view judges a figure against its target by (schemas.targets)."""

from __future__ import annotations

import pytest

from schemas.targets import AMBER_BAND, TARGET_RULES, meets, rule, rules_payload, status


@pytest.mark.parametrize(
    ("kpi", "value", "target", "met", "colour"),
    [
        ("service_level", 0.80, 0.80, True, "green"),
        ("service_level", 0.93, 0.80, True, "green"),
        ("service_level", 0.76, 0.80, False, "amber"),
        ("service_level", 0.75, 0.80, False, "amber"),  # the band's edge is still amber
        ("service_level", 0.74, 0.80, False, "red"),
        ("service_level", 0.0, 0.80, False, "red"),
        ("answer_rate", 0.96, 0.95, True, "green"),
        ("fcr_rate", 0.70, 0.72, False, "amber"),
        ("csat", 0.60, 0.90, False, "red"),
        ("nps", 30.0, 30.0, True, "green"),
        ("nps", 26.0, 30.0, False, "amber"),  # NPS points: 5 of -100..100
        ("nps", 24.0, 30.0, False, "red"),
        ("abandon_rate", 0.05, 0.05, True, "green"),
        ("abandon_rate", 0.02, 0.05, True, "green"),
        ("abandon_rate", 0.09, 0.05, False, "amber"),
        ("abandon_rate", 0.11, 0.05, False, "red"),
        ("aht_s", 300.0, 300.0, True, "green"),
        ("aht_s", 300.5, 300.0, False, "red"),  # seconds have no points: no amber
        ("asa_s", 12.0, 20.0, True, "green"),
        ("first_response_s", 90.0, 60.0, False, "red"),
        ("service_level", None, 0.80, None, None),
        ("abandon_rate", 0.05, None, None, None),
    ],
)
def test_a_figure_is_judged_by_its_direction_and_band(
    kpi: str, value: float | None, target: float | None, met: bool | None, colour: str | None
) -> None:
    assert meets(kpi, value, target) is met
    assert status(kpi, value, target) == colour


def test_the_band_is_five_points_of_a_rate() -> None:
    assert AMBER_BAND == 0.05
    assert rule("service_level").amber_band == AMBER_BAND == rule("abandon_rate").amber_band


def test_an_unknown_kpi_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="no target rule for 'speed'"):
        meets("speed", 1.0, 1.0)


def test_the_wallboard_gets_every_rule_as_json() -> None:
    payload = rules_payload()
    assert payload.keys() == TARGET_RULES.keys()
    assert payload["service_level"] == {"higher_is_better": True, "amber_band": AMBER_BAND}
    assert payload["aht_s"] == {"higher_is_better": False, "amber_band": None}
