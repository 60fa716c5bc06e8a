"""``cckpi report``'s files: the monthly SLA report an outsourcing client receives (HTML, PDF or
CSV), drawn from :class:`streams.engine.monthly.MonthlyReport`, in the client's language and
locale (``language`` and ``locale`` in the SLA file).

The HTML and the PDF are for people: their words and figures come from :mod:`cckpi.report.text`.
The CSV is for machines as much as people: its header is in the client's language, its values
are as every program reads them (a dot, no grouping, ISO dates) whatever the language. Every
chart is drawn from the same daily rows the CSV holds, so the numbers match exactly.
"""

from __future__ import annotations

import base64
import csv
import html
import io
from pathlib import Path
from typing import Any

from cckpi.report.charts import charts, png
from cckpi.report.pdf import write_pdf
from cckpi.report.text import (
    RATIOS,
    SECONDS,
    TextTable,
    Words,
    attainment_table,
    breach_table,
    glossary_table,
    introduction,
    people_tables,
    title,
    volume_table,
)
from schemas.translations import N_, SOURCE_LANGUAGE
from streams.engine.monthly import MonthlyReport

CSV_COLUMNS = (
    "date", "queue", "channel", "offered", "answered", "abandoned", "short_abandoned",
    "service_level", "sl_target", "abandon_rate", "aht_s", "avg_talk_s", "fcr_rate", "csat", "nps",
    "first_response_s", "first_response_attainment", "transfer_rate", "ces", "survey_response_rate",
    "cost_per_contact", "self_served", "self_service_rate", "resolved", "avg_resolution_s",
    "outbound_handled",
)  # fmt: skip
# The CSV's columns that are no KPI of the vocabulary.
CSV_TITLES = {"date": N_("Date"), "queue": N_("Queue"), "channel": N_("Channel"),
              "sl_target": N_("Service level target (0–1)")}  # fmt: skip


def csv_header(words: Words) -> list[str]:
    """The CSV's titles in the client's language; a ratio's column says it holds 0 to 1, a
    time's that it holds seconds, as the values are written for machines. In English, the column
    names the CSV has always had (``service_level``, ``aht_s``): the scripts that read it by
    name keep working, and an English reader reads them."""
    if words.language == SOURCE_LANGUAGE:
        return list(CSV_COLUMNS)
    _ = words.gettext

    def titled(key: str) -> str:
        if key in CSV_TITLES:
            return _(CSV_TITLES[key])
        if key in RATIOS:
            return _("{kpi} (0–1)").format(kpi=words.kpi(key))
        if key in SECONDS:
            return _("{kpi} (s)").format(kpi=words.kpi(key))
        if key == "ces":
            return _("{kpi} (1–7)").format(kpi=words.kpi(key))
        return words.kpi(key)

    return [titled(key) for key in CSV_COLUMNS]


def write_csv(report: MonthlyReport, out: io.TextIOBase | Any) -> None:
    """One row per day, queue and channel: its values exactly as the engine gives them (a dot
    decimal, no grouping, ISO dates, channels by their contract names) in every language."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_header(Words.of(report)))
    for row in report.daily:
        writer.writerow(["" if row.get(k) is None else row[k] for k in CSV_COLUMNS])


def _html_table(table: TextTable) -> str:
    """A titled table; its words aligned left, its figures right, met or missed in colour."""
    marks = table.marks or [None] * len(table.rows)

    def cell(tag: str, text: str, column: int, met: bool | None = None) -> str:
        kind = "ok" if met else "bad" if met is False else "w" if column < table.words else ""
        attribute = f" class='{kind}'" if kind else ""
        return f"<{tag}{attribute}>{html.escape(text)}</{tag}>"

    heads = "".join(cell("th", text, i) for i, text in enumerate(table.header))
    body = "".join("<tr>" + "".join(cell("td", text, i, met if i == len(row) - 1 else None)
                                    for i, text in enumerate(row)) + "</tr>"
                   for row, met in zip(table.rows, marks, strict=True))  # fmt: skip
    note = f"<p>{html.escape(table.note)}</p>" if table.note else ""
    return f"<h2>{html.escape(table.title)}</h2>{note}<table><tr>{heads}</tr>{body}</table>"


def write_html(report: MonthlyReport, path: Path) -> None:
    """One page: the month against its targets, volumes, effort, reasons and staffing, the
    charts, the breached intervals and the glossary, with ``lang`` set to the client's locale."""
    words = Words.of(report)
    images = "".join(
        f'<img src="data:image/png;base64,{base64.b64encode(png(figure)).decode()}" alt="">'
        for figure in charts(report)
    )
    tables = "".join(
        _html_table(t) for t in [attainment_table(report), volume_table(report), *people_tables(report)]
    )
    heading, chart_heading = html.escape(title(report)), words.gettext("Daily charts")
    page = f"""<!doctype html><html lang="{report.locale.replace("_", "-")}"><head><meta charset="utf-8"><title>{heading}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;color:#222}} table{{border-collapse:collapse;margin:1rem 0}}
td,th{{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}} .w{{text-align:left}}
.ok{{color:#1a7f37;font-weight:600}} .bad{{color:#cf222e;font-weight:600}} img{{max-width:100%}}</style></head><body>
<h1>{heading}</h1>
<p>{html.escape(introduction(report))}</p>
{tables}
<h2>{html.escape(chart_heading)}</h2>{images}
{_html_table(breach_table(report))}
{_html_table(glossary_table(report))}
</body></html>"""  # noqa: E501
    path.write_text(page, encoding="utf-8")


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
