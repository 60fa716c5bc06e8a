"""A client's month as the SLA report shows it: daily figures, attainment against the contract's
targets, breached intervals, volumes, effort, top wrap-up reasons and staffing shortfall.

Pure: interval rows in, tables out; the report's files are written by :mod:`cckpi.report.files`.
Days and months are sums of 15-minute rows (:mod:`streams.engine.periods`), never averages of ratios.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from schemas.breakdowns import ReasonRow, StaffingRow
from schemas.kpi import KpiRow
from schemas.sla import SlaSettings
from schemas.targets import meets
from schemas.vocabulary import Language
from streams.engine.intervals import INTERVAL_S
from streams.engine.periods import by_day, days_of, month_bounds, sum_rows

EFFORT = ("ces", "transfer_rate", "survey_response_rate", "cost_per_contact", "self_service_rate")
TOP_REASONS = 10
INTERVAL_HOURS = INTERVAL_S / 3600
# KPI, the figure's key and the target's attribute; schemas.targets says which way is better.
KPIS = (
    ("service level", "service_level", "sl_target"),
    ("abandon rate", "abandon_rate", "abandon_rate_max"),
    ("AHT (s)", "aht_s", "aht_target_s"),
    ("FCR", "fcr_rate", "fcr_target"),
    ("CSAT", "csat", "csat_target"),
    ("resolution time (s)", "avg_resolution_s", "resolution_target_s"),
)


@dataclass
class MonthlyReport:
    """A client's month: daily figures, attainment against targets, breaches, volumes, effort,
    top reasons and staffing shortfall, as the report's views show them."""

    client: str
    period: str
    timezone: str
    sl_formula: str
    days: list[date]
    daily: list[dict[str, Any]]  # the CSV rows, one per (day, queue, channel)
    attainment: list[dict[str, Any]]
    breaches: list[KpiRow]
    volumes: dict[str, float]
    effort: list[dict[str, Any]]  # per queue and channel: CES, transfer rate, surveys, cost
    reasons: list[dict[str, Any]]  # the most handled wrap-up reasons, with their AHT and FCR
    shortfall: list[dict[str, Any]]  # per queue and channel: hours below the Erlang C staffing
    language: Language = "en"  # the client's, from the SLA file: every word its report shows
    locale: str = "en"  # the CLDR locale its figures and dates are written in (fr_CH)


def top_reasons(rows: Sequence[ReasonRow], limit: int = TOP_REASONS) -> list[dict[str, Any]]:
    """The most handled wrap-up reasons of the month, with their AHT and FCR."""
    sums: dict[tuple[str, str, str], list[float]] = {}
    for r in rows:
        total = sums.setdefault((r.queue, r.channel, r.reason), [0, 0.0, 0])
        total[0] += r.handled
        total[1] += r.handle_s_sum
        total[2] += r.fcr_success
    ranked = sorted(sums.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
    return [{"queue": q, "channel": c, "reason": reason, "handled": int(n), "aht_s": h / n if n else None,
             "fcr_rate": f / n if n else None} for (q, c, reason), (n, h, f) in ranked]  # fmt: skip


def staffing_shortfall(rows: Sequence[StaffingRow]) -> list[dict[str, Any]]:
    """Per queue and channel: the hours staffed below what Erlang C required, and the agent-hours
    missing."""
    found: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        total = found.setdefault((r.queue, r.channel), [0.0, 0.0])
        if r.shortfall_agents:
            total[0] += INTERVAL_HOURS
            total[1] += r.shortfall_agents * INTERVAL_HOURS
    return [{"queue": q, "channel": c, "hours_short": h, "agent_hours_short": a}
            for (q, c), (h, a) in sorted(found.items())]  # fmt: skip


def build_report(
    rows: list[KpiRow],
    client: str,
    period: str,
    sla: SlaSettings,
    reasons: Sequence[ReasonRow] = (),
    staffing: Sequence[StaffingRow] = (),
) -> MonthlyReport:
    """Aggregate a client's interval rows for one month (and its reason and staffing rows) into
    the report's tables."""
    settings = sla.client(client)
    start, end = month_bounds(period, settings.timezone)
    formula = settings.sl_formula
    daily = []

    def cost(queue: str, channel: str) -> float | None:
        return sla.hourly_cost(client, queue, channel)

    for (day, queue, channel), figures in by_day(rows, settings.timezone, formula, cost).items():
        target = sla.thresholds(client, queue, channel).sl_target
        daily.append(
            {"date": day.isoformat(), "queue": queue, "channel": channel, **figures, "sl_target": target}
        )
    attainment, effort = [], []
    for queue, channel in sorted({(r.queue, r.channel) for r in rows}):
        month = sum_rows(
            [r for r in rows if (r.queue, r.channel) == (queue, channel)], formula, cost(queue, channel)
        )
        rules = sla.thresholds(client, queue, channel)
        effort.append({"queue": queue, "channel": channel, "currency": rules.currency,
                       **{k: month[k] for k in EFFORT}})  # fmt: skip
        for label, key, target_name in KPIS:
            value, target = month[key], getattr(rules, target_name)
            attainment.append({"queue": queue, "channel": channel, "kpi": label, "key": key, "value": value,
                               "target": target, "met": meets(key, value, target)})  # fmt: skip

    def sl_target(r: KpiRow) -> float:
        return sla.thresholds(client, r.queue, r.channel).sl_target

    breaches = [r for r in rows if meets("service_level", r.service_level, sl_target(r)) is False]
    volumes: dict[str, float] = {}
    for r in rows:
        volumes[r.channel] = volumes.get(r.channel, 0) + r.offered
    return MonthlyReport(client, period, settings.timezone, formula, days_of(start, end, settings.timezone),
                  daily, attainment, breaches, volumes, effort, top_reasons(reasons),
                  staffing_shortfall(staffing), settings.language, settings.formats)  # fmt: skip


def offered_by_day(daily: Sequence[dict[str, Any]], channel: str) -> dict[date, float]:
    """Contacts offered on one channel per local day, over its queues (the volume chart's bars)."""
    per_day: dict[date, float] = {}
    for r in daily:
        if r["channel"] == channel:
            day = date.fromisoformat(r["date"])
            per_day[day] = per_day.get(day, 0) + r["offered"]
    return per_day
