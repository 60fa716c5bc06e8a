"""The monthly report's tables from hand-made rows: top reasons, staffing shortfall, and a month's
attainment, breaches, volumes and effort against the SLA file's targets."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from schemas.breakdowns import ReasonRow, StaffingRow
from schemas.kpi import KpiRow
from schemas.sla import SlaFile, SlaSettings
from streams.engine.monthly import build_report, offered_by_day, staffing_shortfall, top_reasons

AT = "2026-10-12T08:00:00Z"


def reason(queue: str, name: str, handled: int, handle_s: float, fcr: int) -> ReasonRow:
    return ReasonRow(client="acme", queue=queue, channel="call", interval_start=AT, reason=name,
                     handled=handled, handle_s_sum=handle_s, fcr_success=fcr)  # fmt: skip


@pytest.mark.parametrize(
    ("rows", "limit", "expected"),
    [
        ([], 10, []),
        # the same reason in two intervals is summed; AHT and FCR from the sums
        ([reason("billing", "refund", 2, 200.0, 1), reason("billing", "refund", 2, 400.0, 2)], 10,
         [("billing", "call", "refund", 4, 150.0, 0.75)]),
        # most handled first; a tie goes by queue, channel and reason
        ([reason("billing", "b", 3, 30.0, 3), reason("billing", "a", 3, 60.0, 0),
          reason("admin", "z", 5, 50.0, 5)], 10,
         [("admin", "call", "z", 5, 10.0, 1.0), ("billing", "call", "a", 3, 20.0, 0.0),
          ("billing", "call", "b", 3, 10.0, 1.0)]),
        # the limit keeps the most handled
        ([reason("billing", "a", 1, 10.0, 1), reason("billing", "b", 2, 10.0, 1)], 1,
         [("billing", "call", "b", 2, 5.0, 0.5)]),
        # nothing handled: no AHT and no FCR
        ([reason("billing", "a", 0, 0.0, 0)], 10, [("billing", "call", "a", 0, None, None)]),
    ],
)  # fmt: skip
def test_top_reasons(rows: list[ReasonRow], limit: int, expected: list[tuple[Any, ...]]) -> None:
    found = top_reasons(rows, limit)
    keys = ("queue", "channel", "reason", "handled", "aht_s", "fcr_rate")
    assert [tuple(r[k] for k in keys) for r in found] == expected


def staffing(queue: str, shortfall: float | None, channel: str = "call") -> StaffingRow:
    return StaffingRow(client="acme", queue=queue, channel=channel, interval_start=AT, offered=10,
                       aht_s=180.0, traffic_erlangs=2.0, required_agents=3, staffed_agents=1.0,
                       shortfall_agents=shortfall)  # fmt: skip


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], []),
        # each short interval is a quarter of an hour; the agents missing times that quarter
        ([staffing("billing", 2.0), staffing("billing", 0.0), staffing("billing", 1.0)],
         [("billing", "call", 0.5, 0.75)]),
        # a lane never short is listed with zeros; no handling time known (None) is not short
        ([staffing("support", None), staffing("billing", 0.0, "chat")],
         [("billing", "chat", 0.0, 0.0), ("support", "call", 0.0, 0.0)]),
    ],
)  # fmt: skip
def test_staffing_shortfall(rows: list[StaffingRow], expected: list[tuple[Any, ...]]) -> None:
    keys = ("queue", "channel", "hours_short", "agent_hours_short")
    assert [tuple(s[k] for k in keys) for s in staffing_shortfall(rows)] == expected


SLA = SlaSettings(
    SlaFile.model_validate(
        {"clients": {"acme": {"sl_target": 0.8, "abandon_rate_max": 0.25, "fcr_target": 0.5,
                              "currency": "EUR", "hourly_cost": 36.0, "resolution_target_s": 600}}}
    )
)  # fmt: skip


def interval(start: str, offered: int, in_sl: int, abandoned: int, handled: int, handle_s: float,
             fcr: int, resolved: int = 0, resolution_s: float = 0.0) -> KpiRow:  # fmt: skip
    answered = offered - abandoned
    return KpiRow(client="acme", queue="billing", channel="call", interval_start=start, offered=offered,
                  answered=answered, answered_in_sl=in_sl, abandoned=abandoned, handled=handled,
                  handle_s_sum=handle_s, fcr_success=fcr, transferred=1, resolved=resolved,
                  resolution_s_sum=resolution_s,
                  service_level=in_sl / offered)  # fmt: skip


def test_a_month_against_its_targets() -> None:
    rows = [
        interval("2026-10-12T08:00:00Z", 10, 9, 1, 9, 1800.0, 6, 5, 2500.0),  # SL 0.9: met
        interval("2026-10-12T08:15:00Z", 10, 5, 3, 7, 1400.0, 2, 3, 2300.0),  # SL 0.5: a breach
    ]
    report = build_report(rows, "acme", "2026-10", SLA)
    assert (report.timezone, report.sl_formula) == ("UTC", "default")
    assert len(report.days) == 31 and report.days[0].isoformat() == "2026-10-01"
    met = {a["kpi"]: (a["value"], a["target"], a["met"]) for a in report.attainment}
    assert met == {
        "service level": (14 / 20, 0.8, False),
        "abandon rate": (4 / 20, 0.25, True),
        "AHT (s)": (3200 / 16, None, None),  # no target set
        "FCR": (8 / 16, 0.5, True),  # at the target meets it
        "CSAT": (None, None, None),  # no surveys
        "resolution time (s)": (4800 / 8, 600, True),  # at the target meets it
    }
    assert report.breaches == [rows[1]]
    assert report.volumes == {"call": 20}
    (daily,) = report.daily  # both intervals on one day
    assert (daily["date"], daily["offered"], daily["service_level"], daily["sl_target"]) == (
        "2026-10-12", 20, 14 / 20, 0.8,
    )  # fmt: skip
    (effort,) = report.effort
    assert effort["currency"] == "EUR" and effort["transfer_rate"] == 2 / 16
    assert effort["cost_per_contact"] == pytest.approx(3200 / 3600 * 36.0 / 16)
    assert (report.reasons, report.shortfall) == ([], [])


def test_offered_by_day_sums_a_channels_queues() -> None:
    daily = [{"date": "2026-10-12", "queue": "billing", "channel": "call", "offered": 20},
             {"date": "2026-10-12", "queue": "support", "channel": "call", "offered": 5},
             {"date": "2026-10-13", "queue": "billing", "channel": "call", "offered": 7},
             {"date": "2026-10-12", "queue": "billing", "channel": "chat", "offered": 3}]  # fmt: skip
    assert offered_by_day(daily, "call") == {date(2026, 10, 12): 25, date(2026, 10, 13): 7}
    assert offered_by_day(daily, "email") == {}
