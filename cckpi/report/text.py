"""The monthly report's words and figures in its client's language and locale: every heading,
note, column and cell the HTML and the PDF show, built here once so the two say the same.

KPI and channel names and the KPIs' definitions are the trade's vocabulary
(:mod:`schemas.vocabulary`); the rest of the text is the ``report`` gettext catalog (the English
text is the message id); every figure is written by :mod:`schemas.locale_formats` (Babel's CLDR
data), never by hand, so a French client reads 1 234,5 and 87,3 %, a Swiss one 1'234.5.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from schemas.locale_formats import NOTHING, calendar_moment, money, month, number, percent, place, seconds
from schemas.stamps import parse_rfc3339
from schemas.translations import N_, gettext_for
from schemas.vocabulary import Language, channel_name, term
from streams.engine.monthly import MonthlyReport

# How each KPI is written: ratios as percentages, times in seconds with their unit, counts grouped.
RATIOS = frozenset({"service_level", "abandon_rate", "fcr_rate", "csat", "transfer_rate",
                    "survey_response_rate", "self_service_rate", "first_response_attainment"})  # fmt: skip
SECONDS = frozenset({"aht_s", "avg_talk_s", "first_response_s", "avg_resolution_s"})
# The KPIs the HTML and the PDF show, in the glossary's order.
GLOSSARY = ("offered", "handled", "service_level", "abandon_rate", "aht_s", "fcr_rate", "csat",
            "avg_resolution_s", "ces", "transfer_rate", "survey_response_rate", "cost_per_contact",
            "self_service_rate", "hours_short", "agent_hours_short")  # fmt: skip
# The SLA file's service-level formulas (schemas.sla.SlFormula), said in words.
FORMULAS = {
    "default": N_("contacts answered within the threshold, over the contacts offered to agents "
                  "(short abandons and self-service aside)"),
    "abandons_in_sl_met": N_("contacts answered or abandoned within the threshold, over the answered "
                             "and abandoned contacts"),
    "answered_only": N_("contacts answered within the threshold, over the answered contacts"),
    "abandons_missed": N_("contacts answered within the threshold, over the answered and abandoned contacts"),
    "abandons_in_sl_excluded": N_("contacts answered within the threshold, over the answered and abandoned "
                                  "contacts (abandons within the threshold aside)"),
}  # fmt: skip


@dataclass(frozen=True)
class Words:
    """What a report's every cell is written with: its client's language (the words) and locale
    (the figures), and the time zone its days and times are in."""

    language: Language
    locale: str
    timezone: str
    gettext: Callable[[str], str]

    @classmethod
    def of(cls, report: MonthlyReport) -> Words:
        return cls(report.language, report.locale, report.timezone, gettext_for("report", report.language))

    def kpi(self, key: str) -> str:
        return term(key, self.language).name

    def channel(self, name: str) -> str:
        return channel_name(name, self.language)

    def figure(self, key: str, value: float | None) -> str:
        """A KPI's value as its kind is read: a percentage, seconds with their unit, a count."""
        if key in RATIOS:
            return percent(value, self.locale, 1)
        if key in SECONDS:
            return seconds(value, self.locale)
        return number(value, self.locale)

    def met(self, flag: bool | None) -> str:
        _ = self.gettext
        # Translators: a KPI's month against the contract's target; MISSED in capitals to stand out.
        return NOTHING if flag is None else _("met") if flag else _("MISSED")

    def month(self, period: str) -> str:
        """``2026-12`` as the client says it: décembre 2026."""
        return month(date.fromisoformat(f"{period}-01"), self.locale)


@dataclass(frozen=True)
class TextTable:
    title: str
    note: str
    header: list[str]
    rows: list[list[str]]
    marks: list[bool | None] = field(default_factory=list)  # per row: its last cell met (green) or missed
    words: int = 2  # its leading columns hold words (aligned left), the others figures (aligned right)


def title(report: MonthlyReport) -> str:
    w = Words.of(report)
    month = w.month(report.period)
    return w.gettext("SLA report — {client}, {month}").format(client=report.client, month=month)


def introduction(report: MonthlyReport) -> str:
    """Where the days are, how the service level is counted and what the CSV holds."""
    w = Words.of(report)
    _ = w.gettext
    formula = _(FORMULAS[report.sl_formula]) if report.sl_formula in FORMULAS else report.sl_formula
    text = _(
        "Days and times are {city} time ({zone}). {service_level}: {formula}. Every figure sums "
        "the month's 15-minute intervals; the CSV export holds the daily figures behind every chart."
    )
    return text.format(city=place(report.timezone, w.locale), zone=report.timezone,
                       service_level=w.kpi("service_level"), formula=formula)  # fmt: skip


def _queue_columns(w: Words) -> list[str]:
    return [w.gettext("Queue"), w.gettext("Channel")]


def attainment_table(report: MonthlyReport) -> TextTable:
    """Each queue's month against the contract's targets, met or missed."""
    w = Words.of(report)
    _ = w.gettext
    rows = [[a["queue"], w.channel(a["channel"]), w.kpi(a["key"]), w.figure(a["key"], a["value"]),
             w.figure(a["key"], a["target"]), w.met(a["met"])] for a in report.attainment]  # fmt: skip
    return TextTable(_("Attainment against the contract's targets"), "",
                     [*_queue_columns(w), _("KPI"), _("Month"), _("Target"), _("Result")], rows,
                     [a["met"] for a in report.attainment], words=3)  # fmt: skip


def volume_table(report: MonthlyReport) -> TextTable:
    w = Words.of(report)
    rows = [[w.channel(c), number(v, w.locale)] for c, v in sorted(report.volumes.items())]
    return TextTable(w.gettext("Volumes by channel"), "", [w.gettext("Channel"), w.kpi("offered")], rows,
                     words=1)  # fmt: skip


def people_tables(report: MonthlyReport) -> list[TextTable]:
    """Effort and cost, top reasons, staffing shortfall: as text cells, for the HTML and the PDF."""
    w = Words.of(report)
    _, loc = w.gettext, w.locale

    def effort(e: dict[str, Any]) -> list[str]:
        return [*lane(e), number(e["ces"], loc, 2), w.figure("transfer_rate", e["transfer_rate"]),
                w.figure("survey_response_rate", e["survey_response_rate"]),
                money(e["cost_per_contact"], e["currency"], loc),
                w.figure("self_service_rate", e["self_service_rate"])]  # fmt: skip

    def lane(row: dict[str, Any]) -> list[str]:
        return [row["queue"], w.channel(row["channel"])]

    reasons = [[*lane(r), r["reason"], number(r["handled"], loc), w.figure("aht_s", r["aht_s"]),
                w.figure("fcr_rate", r["fcr_rate"])] for r in report.reasons]  # fmt: skip
    short = [[*lane(s), number(s["hours_short"], loc, 2), number(s["agent_hours_short"], loc, 1)]
             for s in report.shortfall]  # fmt: skip
    shortfall_note = _(
        "Hours whose staffed agents were fewer than Erlang C required for the offered "
        "contacts, and the agent-hours missing."
    )
    return [
        TextTable(_("Effort, transfers, surveys, cost and self-service"), "",
                  [*_queue_columns(w), *(w.kpi(k) for k in ("ces", "transfer_rate", "survey_response_rate",
                                                           "cost_per_contact", "self_service_rate"))],
                  [effort(e) for e in report.effort]),
        TextTable(_("Top wrap-up reasons"), "",
                  [*_queue_columns(w), _("Wrap-up reason"),
                   *(w.kpi(k) for k in ("handled", "aht_s", "fcr_rate"))],
                  reasons, words=3),
        TextTable(_("Staffing below Erlang C"), shortfall_note,
                  [*_queue_columns(w), w.kpi("hours_short"), w.kpi("agent_hours_short")], short),
    ]  # fmt: skip


def breach_table(report: MonthlyReport) -> TextTable:
    """The 15-minute intervals below the service-level target, at their start in the client's zone."""
    w = Words.of(report)
    _ = w.gettext
    rows = [[calendar_moment(parse_rfc3339(b.interval_start), w.locale, w.timezone), b.queue,
             w.channel(b.channel), w.figure("service_level", b.service_level), number(b.offered, w.locale)]
            for b in report.breaches]  # fmt: skip
    return TextTable(
        _("Intervals below the service-level target ({count})").format(count=number(len(rows), w.locale)),
        _("15-minute intervals, each at its start, {city} time ({zone}).").format(
            city=place(w.timezone, w.locale), zone=w.timezone),
        [_("Interval start"), *_queue_columns(w), w.kpi("service_level"), w.kpi("offered")], rows, words=3,
    )  # fmt: skip


def glossary_table(report: MonthlyReport) -> TextTable:
    """Each KPI the report shows, named and defined as the client's language says it."""
    w = Words.of(report)
    return TextTable(w.gettext("Glossary"), "", [w.gettext("KPI"), w.gettext("Definition")],
                     [[w.kpi(k), term(k, w.language).definition] for k in GLOSSARY])  # fmt: skip


def none_row(table: TextTable, words: Words) -> list[str]:
    """The one row an empty table shows."""
    return [words.gettext("(none)")] + [""] * (len(table.header) - 1)
