"""The monthly report's daily charts, drawn from the same daily rows the CSV holds (so the numbers
match exactly) and labelled in the client's language: titles, legends and every tick written by
:mod:`schemas.locale_formats` (6 déc., 87 %, 1'234), not by matplotlib's English defaults.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any, cast

import matplotlib

matplotlib.use("Agg")  # no screen: render to files
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from cckpi.report.text import Words  # noqa: E402
from schemas.locale_formats import day_and_month, number, percent, seconds  # noqa: E402
from streams.engine.monthly import MonthlyReport, offered_by_day  # noqa: E402

CROWDED = 16  # days: more would overlap their labels on a chart's width, so every other one is named


def _series(report: MonthlyReport, queue: str, channel: str, key: str) -> tuple[Any, Any]:
    """Dates and values of one queue's daily column (typed loosely: matplotlib plots dates)."""
    picked = [r for r in report.daily if (r["queue"], r["channel"]) == (queue, channel)]
    return [date.fromisoformat(r["date"]) for r in picked], [r[key] for r in picked]


def _axes(axis: Any, report: MonthlyReport, values: FuncFormatter) -> None:
    """The month's days below, as the locale writes them (6 déc., 6. Dez.), every other one when
    they would crowd; the values' own format at the side."""
    first, last = mdates.date2num(report.days[0]), mdates.date2num(report.days[-1])
    axis.set_xlim(first - 0.5, last + 0.5)  # the whole month, however few days have contacts
    step = 1 if len(report.days) <= CROWDED else 2
    axis.xaxis.set_major_locator(mdates.DayLocator(bymonthday=range(1, 32, step)))  # the 1st, 3rd...
    axis.xaxis.set_major_formatter(
        FuncFormatter(lambda x, _: day_and_month(mdates.num2date(x).date(), report.locale))
    )
    axis.yaxis.set_major_formatter(values)
    axis.figure.autofmt_xdate(rotation=45)  # "13. Okt." beside "15. Okt." would run into each other


def png(figure: Figure) -> bytes:
    """A chart as the HTML and the PDF embed it; the figure is closed (matplotlib keeps it otherwise)."""
    image = io.BytesIO()
    figure.savefig(image, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return image.getvalue()


def _lane(w: Words, queue: str, channel: str) -> str:
    return f"{queue} · {w.channel(channel)}"


def charts(report: MonthlyReport) -> list[Figure]:
    """Daily charts, drawn from ``report.daily`` (the CSV rows) only: the service level (a ratio,
    as the CSV holds it) against its target, contacts offered by channel, handling time."""
    w = Words.of(report)
    _, loc = w.gettext, w.locale
    month = w.month(report.period)
    pairs = sorted({(r["queue"], r["channel"]) for r in report.daily})
    figures = []
    sl = plt.figure(figsize=(10, 4.5))
    axis = sl.add_subplot()
    for queue, channel in pairs:
        days, values = _series(report, queue, channel, "service_level")
        line = axis.plot(days, values, marker="o", label=_lane(w, queue, channel))[0]
        _days, targets = _series(report, queue, channel, "sl_target")
        axis.plot(days, targets, linestyle="--", color=line.get_color(), alpha=0.5)
    axis.set_title(_("{client}: {kpi} per day against its target (dashed), {month}").format(
        client=report.client, kpi=w.kpi("service_level"), month=month))  # fmt: skip
    axis.set_ylim(0, 1.05)
    axis.legend(fontsize=8, ncol=2)
    _axes(axis, report, FuncFormatter(lambda v, _pos: percent(v, loc)))
    figures.append(sl)
    volume = plt.figure(figsize=(10, 4))
    axis = volume.add_subplot()
    bottom: dict[date, float] = {}
    for channel in sorted({c for _q, c in pairs}):
        per_day = offered_by_day(report.daily, channel)
        days = sorted(per_day)
        axis.bar(cast(Any, days), [per_day[d] for d in days], bottom=[bottom.get(d, 0) for d in days],
                 label=w.channel(channel))  # fmt: skip
        for d in days:
            bottom[d] = bottom.get(d, 0) + per_day[d]
    axis.set_title(_("{client}: {kpi} per day by channel, {month}").format(
        client=report.client, kpi=w.kpi("offered"), month=month))  # fmt: skip
    axis.legend()
    _axes(axis, report, FuncFormatter(lambda v, _pos: number(v, loc)))
    figures.append(volume)
    aht = plt.figure(figsize=(10, 4))
    axis = aht.add_subplot()
    for queue, channel in pairs:
        days, values = _series(report, queue, channel, "aht_s")
        axis.plot(days, values, marker=".", label=_lane(w, queue, channel))
    axis.set_title(_("{client}: {kpi} per day, {month}").format(
        client=report.client, kpi=w.kpi("aht_s"), month=month))  # fmt: skip
    axis.legend(fontsize=8, ncol=2)
    _axes(axis, report, FuncFormatter(lambda v, _pos: seconds(v, loc)))
    figures.append(aht)
    return figures
