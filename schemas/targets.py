"""Whether a figure meets its target, and how near it is: one rule for every view.

The report, the alerts, the web figures, the wallboard, the demo and the panels' SQL all judge
with it, so a change of direction or band changes every view at once. A figure is green when it
meets its target (at or above it where higher is better, at or below it where lower is better),
amber when it misses by no more than its band, red beyond. A KPI without a band (a duration:
seconds have no "points") is green or red.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["green", "amber", "red"]
AMBER_BAND = 0.05  # a rate missing its target by at most 5 points is at risk, not yet breached
NPS_BAND = 100 * AMBER_BAND  # NPS is scored -100..100: the same 5 points


@dataclass(frozen=True, slots=True)
class Rule:
    """How one KPI is judged against its target."""

    higher_is_better: bool
    amber_band: float | None  # in the KPI's own unit; None: no amber


_RATE_UP = Rule(higher_is_better=True, amber_band=AMBER_BAND)
_RATE_DOWN = Rule(higher_is_better=False, amber_band=AMBER_BAND)
_SECONDS_DOWN = Rule(higher_is_better=False, amber_band=None)
TARGET_RULES: dict[str, Rule] = {
    "service_level": _RATE_UP,
    "answer_rate": _RATE_UP,
    "fcr_rate": _RATE_UP,
    "csat": _RATE_UP,
    "first_response_attainment": _RATE_UP,
    "survey_response_rate": _RATE_UP,
    "nps": Rule(higher_is_better=True, amber_band=NPS_BAND),
    "abandon_rate": _RATE_DOWN,
    "transfer_rate": _RATE_DOWN,
    "aht_s": _SECONDS_DOWN,
    "asa_s": _SECONDS_DOWN,
    "avg_talk_s": _SECONDS_DOWN,
    "first_response_s": _SECONDS_DOWN,
    "cost_per_contact": Rule(higher_is_better=False, amber_band=None),
    "avg_resolution_s": _SECONDS_DOWN,
}


def rule(kpi: str) -> Rule:
    """The rule a KPI (its figure's key, e.g. ``service_level``) is judged by."""
    try:
        return TARGET_RULES[kpi]
    except KeyError:
        raise ValueError(f"no target rule for {kpi!r}: one of {', '.join(sorted(TARGET_RULES))}") from None


def meets(kpi: str, value: float | None, target: float | None) -> bool | None:
    """Whether a figure meets its target; None when either is unknown."""
    if value is None or target is None:
        return None
    return value >= target if rule(kpi).higher_is_better else value <= target


def status(kpi: str, value: float | None, target: float | None) -> Status | None:
    """Green (meets), amber (misses by no more than the band) or red; None when either is unknown."""
    if value is None or target is None:
        return None
    judged = rule(kpi)
    if meets(kpi, value, target):
        return "green"
    band = judged.amber_band
    if band is not None and (value >= target - band if judged.higher_is_better else value <= target + band):
        return "amber"
    return "red"


def rules_payload() -> dict[str, dict[str, bool | float | None]]:
    """The rules as JSON, for a page that colours figures itself (the wallboard)."""
    return {kpi: {"higher_is_better": judged.higher_is_better, "amber_band": judged.amber_band}
            for kpi, judged in TARGET_RULES.items()}  # fmt: skip
