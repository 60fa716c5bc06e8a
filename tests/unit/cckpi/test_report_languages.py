"""The monthly report in its client's language and locale (issue 40): the SLA file's ``language``
and ``locale`` reach every view (HTML, PDF, CSV header, charts); figures are written the
locale's way in the HTML and the PDF, and the machines' way in the CSV whatever the language."""

from __future__ import annotations

import csv
import html
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from cckpi.report.charts import charts
from cckpi.report.files import CSV_COLUMNS, write_report
from producers.simulator import Simulator, opening
from schemas.locale_formats import calendar_moment, number, percent, seconds
from schemas.sla import load_sla
from schemas.stamps import parse_rfc3339
from schemas.vocabulary import channel_name, term
from streams.batch.compute import LineTally, compute_rows, read_events
from streams.batch.grain_rows import grain_rows
from streams.engine.monthly import MonthlyReport, build_report

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "sla.example.yaml"
NBSP, NNBSP = "\u00a0", "\u202f"
LOCALES = {"en": ("en", None), "fr_FR": ("fr", "fr_FR"), "de_CH": ("de", "de_CH")}
# What the English report says: none of it may be left on a French or German client's page.
ENGLISH = ("SLA report", "Attainment against", "Volumes by channel", "Effort, transfers",
           "Top wrap-up reasons", "Staffing below", "Daily charts", "Intervals below", "Glossary",
           "Days and times", "Service level", "Average handling time", "First-contact resolution",
           "Customer satisfaction", "Offered", "Queue", "Channel", "Target", "Month", "Result",
           "Interval start", "MISSED", ">met<", "Wrap-up reason", "Hours short", "(none)")  # fmt: skip


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, MonthlyReport]:
    """acme's October in each language, read from an SLA file that says it (language, locale)."""
    folder = tmp_path_factory.mktemp("languages")
    base = load_sla(EXAMPLE)
    events = list(Simulator(datetime(2026, 10, 12, 7, tzinfo=UTC), seed=5, open_at=opening(base)).events(
        datetime(2026, 10, 12, 19, tzinfo=UTC)))  # fmt: skip
    lines = [orjson.dumps(e) for _, e in events]
    kpi = [r for r in compute_rows(read_events(lines, LineTally()), base) if r.client == "acme"]
    reasons, staffing = ([r for r in grain_rows(read_events(lines, LineTally()), base, grain)
                          if r.client == "acme"] for grain in ("reasons", "staffing"))  # fmt: skip
    found = {}
    for name, (language, locale) in LOCALES.items():
        said = f"    language: {language}\n" + (f"    locale: {locale}\n" if locale else "")
        path = folder / f"sla-{name}.yaml"
        path.write_text(EXAMPLE.read_text(encoding="utf-8").replace("  acme:\n", "  acme:\n" + said, 1))
        found[name] = build_report(kpi, "acme", "2026-10", load_sla(path), reasons, staffing)  # type: ignore[arg-type]
    return found


def visible(html_page: str) -> str:
    """The page's text and tags, unescaped (d'abandon, 1'800), without its embedded charts
    (base64 could spell anything)."""
    return html.unescape(re.sub(r'src="data:image/png;base64,[^"]*"', "", html_page))


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.mark.parametrize("name", list(LOCALES))
def test_every_view_renders_in_each_language(
    reports: dict[str, MonthlyReport], tmp_path: Path, name: str
) -> None:
    report = reports[name]
    language, locale = LOCALES[name]
    assert (report.language, report.locale) == (language, locale or "en")  # from the SLA file
    service_level, glossary = term("service_level", language).name, term("aht_s", language).definition
    month = {"en": "October 2026", "fr": "octobre 2026", "de": "Oktober 2026"}[language]
    for fmt in ("html", "pdf", "csv"):
        write_report(report, fmt, tmp_path / f"r.{fmt}")
    page = visible((tmp_path / "r.html").read_text(encoding="utf-8"))
    assert f'<html lang="{report.locale.replace("_", "-")}">' in page
    assert f"acme, {month}</h1>" in page and service_level in page and glossary in page
    text = pdf_text(tmp_path / "r.pdf")
    assert f"acme, {month}" in text and service_level in text and glossary in text
    header, *rows = csv.reader((tmp_path / "r.csv").open(encoding="utf-8"))
    # English keeps the column names scripts read; the other languages their own words.
    titled = "offered" if language == "en" else term("offered", language).name
    assert header[CSV_COLUMNS.index("offered")] == titled
    assert len(rows) == len(report.daily)


def test_a_french_client_reads_french_words_and_french_figures(
    reports: dict[str, MonthlyReport], tmp_path: Path
) -> None:
    report = reports["fr_FR"]
    write_report(report, "html", tmp_path / "r.html")
    page = visible((tmp_path / "r.html").read_text(encoding="utf-8"))
    assert "Niveau de service" in page and "Taux d'abandon" in page and "File d'attente" in page
    assert "Rapport SLA — acme, octobre 2026" in page and "Glossaire" in page
    assert f"1{NNBSP}800{NNBSP}s" in page  # the resolution target: grouped by a narrow no-break space
    sl = next(a for a in report.attainment if a["key"] == "service_level")
    shown = percent(sl["value"], "fr_FR", 1)
    assert re.fullmatch(rf"\d{{1,3}},\d{NBSP}%", shown) and f">{shown}<" in page  # 87,3 %
    call = report.volumes["call"]
    assert call >= 1000 and f">{number(call, 'fr_FR')}<" in page and NNBSP in number(call, "fr_FR")
    assert f">{channel_name('call', 'fr')}<" in page  # appel
    write_report(report, "pdf", tmp_path / "r.pdf")
    text = pdf_text(tmp_path / "r.pdf")
    assert "Atteinte des objectifs contractuels" in text and f"1{NNBSP}800{NNBSP}s" in text
    assert shown.replace(NBSP, " ") in text  # pypdf reads the no-break space back as a space


def test_a_swiss_german_client_reads_german_words_and_swiss_figures(
    reports: dict[str, MonthlyReport], tmp_path: Path
) -> None:
    report = reports["de_CH"]
    write_report(report, "html", tmp_path / "r.html")
    page = visible((tmp_path / "r.html").read_text(encoding="utf-8"))
    assert "Servicelevel" in page and "Warteschlange" in page and "SLA-Bericht — acme, Oktober 2026" in page
    assert "1'800 Sek." in page and f">{number(report.volumes['call'], 'de_CH')}<" in page
    assert "'" in number(report.volumes["call"], "de_CH")  # 1'234
    first = report.breaches[0]
    stamp = calendar_moment(parse_rfc3339(first.interval_start), "de_CH", "Europe/Zurich")
    assert re.fullmatch(r"\d\d\.\d\d\.2026, \d\d:\d\d", stamp) and f">{stamp}<" in page  # dd.MM.yyyy, 24 h
    assert "Zürich (Europe/Zurich)" in page  # the intervals are in the client's zone, and it says so


@pytest.mark.parametrize("name", ["fr_FR", "de_CH"])
def test_nothing_is_left_in_english(reports: dict[str, MonthlyReport], tmp_path: Path, name: str) -> None:
    report = reports[name]
    write_report(report, "html", tmp_path / "r.html")
    write_report(report, "pdf", tmp_path / "r.pdf")
    page = visible((tmp_path / "r.html").read_text(encoding="utf-8"))
    text = pdf_text(tmp_path / "r.pdf").replace("\n", " ")
    for words in ENGLISH:
        assert words not in page, f"{name} HTML: {words!r}"
        if not words.startswith(">"):  # a cell's whole text: the PDF's lines do not mark cells
            assert words not in text, f"{name} PDF: {words!r}"
    assert "sec" not in re.findall(r"\d (\w+)", page)  # seconds in the locale's unit


@pytest.mark.parametrize("name", ["fr_FR", "de_CH"])
def test_the_charts_speak_the_language(reports: dict[str, MonthlyReport], name: str) -> None:
    """Titles, legends and ticks: matplotlib's own English and C-locale formats replaced."""
    report = reports[name]
    language = LOCALES[name][0]
    sl, volume, aht = charts(report)
    for figure in (sl, volume, aht):
        figure.canvas.draw()
    axis = sl.axes[0]
    month = {"fr": "octobre 2026", "de": "Oktober 2026"}[language]
    assert term("service_level", language).name in axis.get_title() and month in axis.get_title()
    days = [t.get_text() for t in axis.get_xticklabels()]  # the month's, in the language's words
    assert {"fr": "1 oct.", "de": "1. Okt."}[language] == days[0] and len(days) == 16  # every other day
    assert all(d.endswith({"fr": " oct.", "de": ". Okt."}[language]) for d in days)
    assert percent(0.8, report.locale) in {t.get_text() for t in axis.get_yticklabels()}  # 80 % / 80%
    legend = {t.get_text() for t in axis.get_legend().get_texts()}
    assert f"billing · {channel_name('call', language)}" in legend
    assert term("offered", language).name in volume.axes[0].get_title()
    ticks = aht.axes[0].get_yticks(), [t.get_text() for t in aht.axes[0].get_yticklabels()]
    assert ticks[1] and ticks[1] == [seconds(v, report.locale) for v in ticks[0]]  # 300 s, 300 Sek.


def test_the_csv_stays_machine_readable_in_every_language(
    reports: dict[str, MonthlyReport], tmp_path: Path
) -> None:
    """One header row in the client's words; the values a dot decimal, no grouping, ISO dates:
    byte for byte the English CSV's."""
    written = {}
    for name, report in reports.items():
        write_report(report, "csv", tmp_path / f"{name}.csv")
        written[name] = (tmp_path / f"{name}.csv").read_text(encoding="utf-8").splitlines()
    assert written["fr_FR"][1:] == written["en"][1:] == written["de_CH"][1:]
    header, *rows = csv.reader(written["fr_FR"])
    assert header[:3] == ["Date", "File d'attente", "Canal"]
    assert header[CSV_COLUMNS.index("service_level")] == "Niveau de service (0–1)"
    assert header[CSV_COLUMNS.index("aht_s")] == "Durée moyenne totale de traitement (s)"
    figures = [cell for row in rows for cell in row[3:] if cell]
    assert figures and all(re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", cell) for cell in figures)
    assert any("." in cell for cell in figures)  # a dot decimal, never a comma
    assert any(float(cell) >= 1000 and "." in cell for cell in figures)  # and no grouping: 4787.17
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", row[0]) for row in rows)


def test_english_keeps_its_figures(reports: dict[str, MonthlyReport], tmp_path: Path) -> None:
    """English: a dot and commas, as before; the language of a report changes no figure."""
    en, fr = reports["en"], reports["fr_FR"]
    assert replace(fr, language="en", locale="en") == en
    write_report(en, "html", tmp_path / "r.html")
    page = visible((tmp_path / "r.html").read_text(encoding="utf-8"))
    sl = next(a for a in en.attainment if a["key"] == "service_level")
    assert f">{percent(sl['value'], 'en', 1)}<" in page and ">1,800 sec<" in page
    assert f"{100 * sl['value']:.1f}%" == percent(sl["value"], "en", 1)  # the old hand format, once
