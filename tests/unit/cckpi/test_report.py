"""The monthly SLA report: CSV numbers are sums of interval rows in the client's days, and the
charts plot exactly the CSV's numbers."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from cckpi.report.charts import charts
from cckpi.report.files import CSV_COLUMNS, write_report
from cckpi.report.text import people_tables
from producers.simulator import Simulator, opening
from schemas.sla import load_sla
from schemas.vocabulary import channel_name, term
from streams.batch.compute import LineTally, compute_file, compute_rows, read_events
from streams.batch.grain_rows import grain_rows
from streams.engine.intervals import parse_iso
from streams.engine.monthly import build_report
from streams.engine.periods import local_day, month_bounds

EXAMPLE = Path(__file__).resolve().parents[3] / "sla.example.yaml"


def read_csv(path: Path) -> list[dict[str, str]]:
    """The CSV's rows by column key: its one header row is in the client's language."""
    header, *rows = csv.reader(path.open(encoding="utf-8"))
    assert len(header) == len(CSV_COLUMNS)
    return [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows]


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> list:  # type: ignore[type-arg]
    # Two days around a month boundary in Zurich time: 31 Oct 22:00 UTC is already November there.
    events = Simulator(datetime(2026, 10, 30, tzinfo=UTC), seed=11).events(
        datetime(2026, 11, 1, 1, tzinfo=UTC)
    )
    path = tmp_path_factory.mktemp("report") / "events.jsonl"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for _, e in events))
    computed, _ = compute_file(path, load_sla(EXAMPLE))
    return computed


def test_report_csv_matches_interval_rows_and_charts(rows: list, tmp_path: Path) -> None:  # type: ignore[type-arg]
    sla = load_sla(EXAMPLE)
    start, end = month_bounds("2026-10", "Europe/Zurich")
    month = [r for r in rows if r.client == "acme" and start <= parse_iso(r.interval_start) < end]
    report = build_report(month, "acme", "2026-10", sla)
    out = tmp_path / "r.csv"
    write_report(report, "csv", out)
    lines = read_csv(out)
    assert {line["date"] for line in lines} == {"2026-10-30", "2026-10-31"}  # not 1 November
    for line in lines:
        picked = [r for r in month if (r.queue, r.channel) == (line["queue"], line["channel"])
                  and local_day(r.interval_start, "Europe/Zurich").isoformat() == line["date"]]  # fmt: skip
        assert int(line["offered"]) == sum(r.offered for r in picked)
        base = sum(r.offered - r.short_abandoned - r.self_served for r in picked)  # kpis.md: agents' share
        expected_sl = sum(r.answered_in_sl for r in picked) / base if base else None
        assert (line["service_level"] == "") == (expected_sl is None)
        if expected_sl is not None:
            assert float(line["service_level"]) == pytest.approx(expected_sl, rel=1e-12)
    sl_chart = charts(report)[0]
    plotted = {line.get_label(): list(line.get_ydata()) for line in sl_chart.axes[0].get_lines()
               if not line.get_label().startswith("_")}  # fmt: skip
    for label, values in plotted.items():
        queue, channel = label.split(" · ")
        from_csv = [None if line["service_level"] == "" else float(line["service_level"]) for line in lines
                    if (line["queue"], channel_name(line["channel"], "en")) == (queue, channel)]  # fmt: skip
        assert [None if v is None else pytest.approx(v) for v in values] == from_csv
    assert any(a["met"] is not None for a in report.attainment)
    assert report.breaches and sum(report.volumes.values()) == sum(r.offered for r in month)


@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_report_documents_are_written(rows: list, tmp_path: Path, fmt: str) -> None:  # type: ignore[type-arg]
    report = build_report([r for r in rows if r.client == "acme"], "acme", "2026-10", load_sla(EXAMPLE))
    out = tmp_path / f"r.{fmt}"
    write_report(report, fmt, out)
    data = out.read_bytes()
    if fmt == "pdf":
        # the cover, effort / reasons / staffing tables, three charts
        assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= 7
    else:
        text = data.decode()
        assert "SLA report — acme, October 2026" in text and text.count("data:image/png;base64") == 3


def test_report_has_effort_top_reasons_and_staffing_shortfall(tmp_path: Path) -> None:
    """CES, transfer rate, survey response rate and cost per contact per queue; the most handled
    wrap-up reasons with their AHT and FCR; hours staffed below Erlang C: each equal to the sums
    of the rows ``cckpi compute --grain`` gives."""
    sla = load_sla(EXAMPLE)
    events = list(Simulator(datetime(2026, 10, 12, 7, tzinfo=UTC), seed=5, open_at=opening(sla)).events(
        datetime(2026, 10, 12, 19, tzinfo=UTC)))  # fmt: skip
    lines = [orjson.dumps(e) for _, e in events]
    kpi = [r for r in compute_rows(read_events(lines, LineTally()), sla) if r.client == "acme"]
    reasons = [r for r in grain_rows(read_events(lines, LineTally()), sla, "reasons") if r.client == "acme"]
    staffing = [r for r in grain_rows(read_events(lines, LineTally()), sla, "staffing") if r.client == "acme"]
    report = build_report(kpi, "acme", "2026-10", sla, reasons, staffing)  # type: ignore[arg-type]
    call = next(e for e in report.effort if (e["queue"], e["channel"]) == ("billing", "call"))
    lane = [r for r in kpi if (r.queue, r.channel) == ("billing", "call")]
    assert call["ces"] == pytest.approx(sum(r.ces_sum for r in lane) / sum(r.ces_responses for r in lane))
    assert call["transfer_rate"] == pytest.approx(
        sum(r.transferred for r in lane) / sum(r.answered for r in lane)
    )
    hours = sum(r.handle_s_sum + r.outbound_handle_s_sum for r in lane) / 3600  # inbound and outbound work
    worked = sum(r.handled + r.outbound_handled for r in lane)
    assert call["cost_per_contact"] == pytest.approx(hours * 38.0 / worked)
    assert sum(r.outbound_handled for r in lane) > 0
    assert call["currency"] == "EUR"
    top = report.reasons[0]
    same = [
        r for r in reasons if (r.queue, r.channel, r.reason) == (top["queue"], top["channel"], top["reason"])
    ]
    assert top["handled"] == sum(r.handled for r in same) == max(x["handled"] for x in report.reasons)
    assert top["fcr_rate"] == pytest.approx(sum(r.fcr_success for r in same) / top["handled"])
    assert len(report.reasons) == 10
    short = {(s["queue"], s["channel"]): s for s in report.shortfall}
    for (queue, channel), s in short.items():
        rows = [r for r in staffing if (r.queue, r.channel) == (queue, channel)]
        assert s["hours_short"] == 0.25 * sum(1 for r in rows if r.shortfall_agents)
    assert any(s["hours_short"] > 0 for s in report.shortfall)  # the lunch dip and short-staffed hours
    out = tmp_path / "r.html"
    write_report(report, "html", out)
    text = out.read_text()
    assert "Top wrap-up reasons" in text and top["reason"] in text and "€" in text  # EUR, in English
    tables = {t.title: t for t in people_tables(report)}  # what the PDF's table pages show
    shown = [top["queue"], channel_name(top["channel"], "en"), top["reason"]]
    assert shown == tables["Top wrap-up reasons"].rows[0][:3]
    assert len(tables["Staffing below Erlang C"].rows) == len(report.shortfall)


def test_pdf_tables_continue_across_pages_with_every_row(rows: list, tmp_path: Path) -> None:  # type: ignore[type-arg]
    """120 queue and channel pairs: 600 attainment rows and 120 effort rows, every one in the PDF's
    text (it once cut each table at 40 rows)."""
    from pypdf import PdfReader

    acme = [r for r in rows if r.client == "acme"]
    pairs = {(r.queue, r.channel) for r in acme}
    many = [r.model_copy(update={"queue": f"queue-{i:03d}-{r.queue}"}) for i in range(120 // len(pairs) + 1)
            for r in acme]  # fmt: skip
    report = build_report(many, "acme", "2026-10", load_sla(EXAMPLE))
    assert len({(a["queue"], a["channel"]) for a in report.attainment}) >= 120
    out = tmp_path / "r.pdf"
    write_report(report, "pdf", out)
    lines = [line.strip() for page in PdfReader(out).pages for line in page.extract_text().splitlines()]
    for a in report.attainment:
        line = f"{a['queue']} {channel_name(a['channel'], 'en')} {term(a['key'], 'en').name} "
        assert sum(1 for text in lines if text.startswith(line)) == 1, line
    for e in report.effort:
        lane = f"{e['queue']} {channel_name(e['channel'], 'en')} "
        assert any(text.startswith(lane) and "%" in text for text in lines)
    assert lines.count("Queue Channel KPI Month Target Result") > 1  # the heading repeated on each page
