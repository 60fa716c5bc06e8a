"""``cckpi report``'s files: the monthly SLA report an outsourcing client receives (HTML, PDF or
CSV), drawn from :class:`streams.engine.monthly.MonthlyReport`.

Every chart is drawn from the same daily rows the CSV holds, so the numbers match exactly. The
PDF's tables are text (fpdf2) and continue across pages: no row is ever left out.
"""

from __future__ import annotations

import base64
import csv
import html
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

import matplotlib

matplotlib.use("Agg")  # no screen: render to files
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from fpdf import FPDF  # noqa: E402
from fpdf.fonts import FontFace  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from streams.engine.monthly import MonthlyReport, offered_by_day  # noqa: E402

CSV_COLUMNS = (
    "date", "queue", "channel", "offered", "answered", "abandoned", "short_abandoned",
    "service_level", "sl_target", "abandon_rate", "aht_s", "avg_talk_s", "fcr_rate", "csat", "nps",
    "first_response_s", "first_response_attainment", "transfer_rate", "ces", "survey_response_rate",
    "cost_per_contact", "self_served", "self_service_rate", "resolved", "avg_resolution_s",
    "outbound_handled",
)  # fmt: skip


def write_csv(report: MonthlyReport, out: io.TextIOBase | Any) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in report.daily:
        writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in CSV_COLUMNS})


def _series(report: MonthlyReport, queue: str, channel: str, key: str) -> tuple[Any, Any]:
    """Dates and values of one queue's daily column (typed loosely: matplotlib plots dates)."""
    picked = [r for r in report.daily if (r["queue"], r["channel"]) == (queue, channel)]
    return [date.fromisoformat(r["date"]) for r in picked], [r[key] for r in picked]


def _date_axis(axis: Any) -> None:
    axis.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    axis.xaxis.set_major_locator(mdates.DayLocator())


def charts(report: MonthlyReport) -> list[Figure]:
    """Daily charts, drawn from ``report.daily`` (the CSV rows) only."""
    pairs = sorted({(r["queue"], r["channel"]) for r in report.daily})
    figures = []
    sl = plt.figure(figsize=(10, 4.5))
    axis = sl.add_subplot()
    for queue, channel in pairs:
        days, values = _series(report, queue, channel, "service_level")
        percent: Any = [None if v is None else 100 * v for v in values]
        line = axis.plot(days, percent, marker="o", label=f"{queue} · {channel}")[0]
        _, targets = _series(report, queue, channel, "sl_target")
        axis.plot(days, [100 * t for t in targets], linestyle="--", color=line.get_color(), alpha=0.5)
    axis.set_title(f"{report.client}: service level per day vs target (dashed), {report.period}")
    axis.set_ylabel("%")
    axis.set_ylim(0, 105)
    axis.legend(fontsize=8, ncol=2)
    _date_axis(axis)
    figures.append(sl)
    volume = plt.figure(figsize=(10, 4))
    axis = volume.add_subplot()
    channels = sorted({c for _, c in pairs})
    bottom: dict[date, float] = {}
    for channel in channels:
        per_day = offered_by_day(report.daily, channel)
        days = sorted(per_day)
        axis.bar(
            cast(Any, days),
            [per_day[d] for d in days],
            bottom=[bottom.get(d, 0) for d in days],
            label=channel,
        )
        for d in days:
            bottom[d] = bottom.get(d, 0) + per_day[d]
    axis.set_title(f"{report.client}: contacts offered per day by channel")
    axis.legend()
    _date_axis(axis)
    figures.append(volume)
    aht = plt.figure(figsize=(10, 4))
    axis = aht.add_subplot()
    for queue, channel in pairs:
        days, values = _series(report, queue, channel, "aht_s")
        axis.plot(days, values, marker=".", label=f"{queue} · {channel}")
    axis.set_title(f"{report.client}: average handling time per day (s)")
    axis.legend(fontsize=8, ncol=2)
    _date_axis(axis)
    figures.append(aht)
    return figures


def _fmt(value: Any, key: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "met" if value else "MISSED"
    if isinstance(value, float) and not key.endswith(("(s)", "_s")) and value <= 1.0:
        return f"{100 * value:.1f}%"
    return f"{value:,.0f}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class TextTable:
    title: str
    note: str
    header: list[str]
    rows: list[list[str]]


def people_tables(report: MonthlyReport) -> list[TextTable]:
    """Effort and cost, top reasons, staffing shortfall: as text cells, for the HTML and the PDF."""

    def cost(e: dict[str, Any]) -> str:
        value = e["cost_per_contact"]
        return "—" if value is None else f"{value:,.2f} {e['currency']}".strip()

    effort = [[e["queue"], e["channel"], "—" if e["ces"] is None else format(e["ces"], ".2f"),
               _fmt(e["transfer_rate"]), _fmt(e["survey_response_rate"]), cost(e),
               _fmt(e["self_service_rate"])]
              for e in report.effort]  # fmt: skip
    reasons = [[r["queue"], r["channel"], r["reason"], f"{r['handled']:,}", _fmt(r["aht_s"], "aht_s"),
                _fmt(r["fcr_rate"])] for r in report.reasons]  # fmt: skip
    short = [[s["queue"], s["channel"], f"{s['hours_short']:,.2f}", f"{s['agent_hours_short']:,.1f}"]
             for s in report.shortfall]  # fmt: skip
    return [
        TextTable("Effort, transfers, surveys, cost and self-service", "",
                  ["queue", "channel", "CES (1–7)", "transfer rate", "survey response", "cost per contact",
                   "self-service"],
                  effort),
        TextTable("Top wrap-up reasons", "", ["queue", "channel", "reason", "handled", "AHT (s)", "FCR"],
                  reasons),
        TextTable("Staffing below Erlang C", "Hours whose staffed agents were fewer than Erlang C required "
                  "for the offered contacts, and the agent-hours missing.",
                  ["queue", "channel", "hours short", "agent-hours short"], short),
    ]  # fmt: skip


def write_html(report: MonthlyReport, path: Path) -> None:
    images = []
    for figure in charts(report):
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
        plt.close(figure)
        images.append(base64.b64encode(buffer.getvalue()).decode())
    attainment = "".join(
        f"<tr><td>{html.escape(a['queue'])}</td><td>{a['channel']}</td><td>{a['kpi']}</td>"
        f"<td>{_fmt(a['value'], a['kpi'])}</td><td>{_fmt(a['target'], a['kpi'])}</td>"
        f"<td class='{'' if a['met'] is None else ('ok' if a['met'] else 'bad')}'>{_fmt(a['met'])}</td></tr>"
        for a in report.attainment
    )
    breaches = "".join(
        f"<tr><td>{b.interval_start}</td><td>{html.escape(b.queue)}</td><td>{b.channel}</td>"
        f"<td>{_fmt(b.service_level)}</td><td>{b.offered}</td></tr>"
        for b in report.breaches
    )
    volumes = "".join(f"<tr><td>{c}</td><td>{v:,.0f}</td></tr>" for c, v in sorted(report.volumes.items()))
    tables = "".join(
        f"<h2>{html.escape(t.title)}</h2>" + (f"<p>{html.escape(t.note)}</p>" if t.note else "")
        + "<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in t.header) + "</tr>"
        + "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in t.rows)
        + "</table>"
        for t in people_tables(report)
    )  # fmt: skip
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>SLA report {html.escape(report.client)} {report.period}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;color:#222}} table{{border-collapse:collapse;margin:1rem 0}}
td,th{{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}} td:first-child,th:first-child{{text-align:left}}
.ok{{color:#1a7f37;font-weight:600}} .bad{{color:#cf222e;font-weight:600}} img{{max-width:100%}}</style></head><body>
<h1>SLA report — {html.escape(report.client)}, {report.period}</h1>
<p>Days in {report.timezone}; service-level formula: {report.sl_formula}. Figures are sums of 15-minute
interval rows (kpis.md); the CSV export holds the daily numbers behind every chart.</p>
<h2>Attainment against contract targets</h2>
<table><tr><th>queue</th><th>channel</th><th>KPI</th><th>month</th><th>target</th><th></th></tr>{attainment}</table>
<h2>Volumes by channel</h2><table><tr><th>channel</th><th>offered</th></tr>{volumes}</table>
{tables}
<h2>Daily charts</h2>{"".join(f'<img src="data:image/png;base64,{i}">' for i in images)}
<h2>Intervals that breached the service level ({len(report.breaches)})</h2>
<table><tr><th>interval (UTC)</th><th>queue</th><th>channel</th><th>service level</th><th>offered</th></tr>{breaches}</table>
</body></html>"""  # noqa: E501
    path.write_text(page, encoding="utf-8")


_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"  # DejaVu, shipped with matplotlib: any text
_MET_COLOURS = {True: (26, 127, 55), False: (207, 34, 46)}


def _pdf_table(pdf: FPDF, title: str, note: str, header: list[str], rows: list[list[str]],
               colours: list[bool | None] | None = None) -> None:  # fmt: skip
    """A titled table on a new page; it continues on as many pages as its rows need, the heading
    repeated on each."""
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(text=title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    if note:
        pdf.multi_cell(0, text=note, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 9)
    shown = rows or [["(none)"] + [""] * (len(header) - 1)]
    with pdf.table(headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)), line_height=5.5,
                   repeat_headings=1) as table:  # fmt: skip
        table.row(header)
        for number, cells in enumerate(shown):
            row = table.row()
            for column, text in enumerate(cells):
                met = colours[number] if colours and column == len(cells) - 1 else None
                row.cell(
                    text, style=None if met is None else FontFace(color=_MET_COLOURS[met], emphasis="BOLD")
                )


def write_pdf(report: MonthlyReport, path: Path) -> None:
    """The cover and every table as text (tables continue across pages), then the charts."""
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font("DejaVu", "", _FONTS / "DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", _FONTS / "DejaVuSans-Bold.ttf")
    cells = [[a["queue"], a["channel"], a["kpi"], _fmt(a["value"], a["kpi"]), _fmt(a["target"], a["kpi"]),
              _fmt(a["met"])] for a in report.attainment]  # fmt: skip
    _pdf_table(pdf, f"SLA report — {report.client}, {report.period}",
               f"Days in {report.timezone}; service-level formula {report.sl_formula}; "
               f"{len(report.breaches)} intervals breached. Attainment against contract targets:",
               ["queue", "channel", "KPI", "month", "target", ""], cells,
               [a["met"] for a in report.attainment])  # fmt: skip
    for table in people_tables(report):
        _pdf_table(pdf, table.title, table.note, table.header, table.rows)
    for figure in charts(report):
        image = io.BytesIO()
        figure.savefig(image, format="png", dpi=110, bbox_inches="tight")
        plt.close(figure)
        pdf.add_page()
        pdf.image(image, x=pdf.l_margin, y=pdf.t_margin, w=pdf.epw, h=pdf.eph, keep_aspect_ratio=True)
    pdf.output(str(path))


def write_report(report: MonthlyReport, fmt: str, path: Path) -> None:
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as out:
            write_csv(report, out)
    elif fmt == "html":
        write_html(report, path)
    elif fmt == "pdf":
        write_pdf(report, path)
    else:
        raise ValueError(f"unknown format {fmt!r}: html, pdf or csv")
