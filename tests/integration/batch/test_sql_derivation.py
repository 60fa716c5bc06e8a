"""The SQL derivation (sql/derivation/, run by the embedded ClickHouse) gives the Python engine's KPI
rows, every column, on the suite's streams: a simulated day, messy streams (duplicates, rival
arrivals, events out of order and days late, transfers, surveys), with the contract defaults and
with an SLA file; and it refuses, by name, what it cannot derive."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from cckpi.stack.chserver import ClickHouseServer
from producers.simulator import Simulator
from schemas.kpi import KpiRow
from schemas.sla import SlaFile, SlaSettings, load_sla
from streams.batch.compute import LineTally, compute_rows, read_events
from streams.engine.rows import output_rows
from streams.storage.backends.connect import connect
from streams.storage.sql_derivation import SqlEngineError, derive_kpi_vectors, file_source
from tests.helpers.cli import cckpi
from tests.helpers.messy import messy_stream

pytestmark = pytest.mark.integration
EXAMPLE = Path(__file__).resolve().parents[3] / "sla.example.yaml"


def simulated(start: datetime, hours: int, seed: int) -> list[bytes]:
    until = datetime.fromtimestamp(start.timestamp() + hours * 3600, UTC)
    return [orjson.dumps(e) for _, e in Simulator(start, seed=seed).events(until)]


def by_key(rows: list[KpiRow]) -> dict[tuple[str, str, str, str], dict[str, object]]:
    return {(r.client, r.queue, r.channel, r.interval_start): r.model_dump() for r in rows}


def sql_rows(tmp_path: Path, lines: list[bytes], sla: SlaSettings) -> list[KpiRow]:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    store = connect(None, tmp_path / "chdb")
    try:
        vectors = derive_kpi_vectors(store, file_source(path), sla)
    finally:
        store.close()
    return output_rows(sorted(vectors.items()), sla.formula, sla.hourly_cost)


def assert_same(got: list[KpiRow], want: list[KpiRow]) -> None:
    g, w = by_key(got), by_key(want)
    diff = {k: {c: (g.get(k, {}).get(c), v[c]) for c in v if g.get(k, {}).get(c) != v[c]}
            for k, v in w.items() if g.get(k) != v}  # fmt: skip
    assert set(g) == set(w) and not diff, (len(g), len(w), dict(list(diff.items())[:3]))


@pytest.mark.parametrize("with_sla", [False, True])
def test_a_simulated_day(tmp_path: Path, with_sla: bool) -> None:
    sla = load_sla(EXAMPLE) if with_sla else SlaSettings()  # opening hours, holidays, costs
    lines = simulated(datetime(2026, 11, 23, 5, tzinfo=UTC), 10, seed=11)
    want = compute_rows(read_events(lines, LineTally()), sla)
    got = sql_rows(tmp_path, lines, sla)
    assert_same(got, want)
    assert sum(r.fcr_success for r in got) > 0 and sum(r.transferred for r in got) > 0
    assert sum(r.ces_responses for r in got) > 0 and sum(r.first_responses_in_target for r in got) > 0


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_messy_streams(tmp_path: Path, seed: int) -> None:
    stream = messy_stream(seed, days=4, contacts=4000)  # bad lines and duplicates among them
    lines = stream.values()
    report = LineTally()
    want = compute_rows(read_events(lines, report), SlaSettings())
    assert len(report.rejected) == stream.bad
    assert_same(sql_rows(tmp_path, lines, SlaSettings()), want)


def test_it_refuses_an_old_server(tmp_path: Path) -> None:
    server = ClickHouseServer(tmp_path / "server")
    store = connect(server.url, tmp_path)
    try:
        with pytest.raises(SqlEngineError, match="too old"):
            derive_kpi_vectors(store, "(SELECT 1 AS line, '' AS payload, '' AS original)")
    finally:
        store.close()
        server.stop()


def test_cckpi_compute_with_either_engine_writes_the_same_rows(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    lines = simulated(datetime(2026, 11, 24, 8, tzinfo=UTC), 3, seed=6)
    events.write_bytes(b"".join(line + b"\n" for line in lines))
    events.write_bytes(events.read_bytes().replace(b"\n", b"\n\n", 3))  # blank lines count nothing
    outputs = []
    for engine in ("python", "sql"):
        done = cckpi("compute", "--events", str(events), "--engine", engine, timeout=300, text=False)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] and outputs[0].count(b"\n") > 20


def test_email_first_responses_in_business_time_over_holidays_and_a_weekend(tmp_path: Path) -> None:
    """Christmas Eve to the Monday after: acme's holidays (25 and 26 December) and a weekend,
    in Europe/Zurich. Business time must decide some emails differently from elapsed time, or
    this test proves nothing about the calendar."""
    sla = load_sla(EXAMPLE)
    lines = simulated(datetime(2026, 12, 24, 12, tzinfo=UTC), 4 * 24, seed=31)
    events = list(read_events(lines, LineTally()))
    want = compute_rows(events, sla)
    data = sla.config.model_dump()
    for client in data["clients"].values():
        client["business_hours"] = None
    elapsed = compute_rows(events, SlaSettings(SlaFile.model_validate(data)))
    assert sum(r.first_responses_in_target for r in want) != sum(r.first_responses_in_target for r in elapsed)
    assert_same(sql_rows(tmp_path, lines, sla), want)


def test_cckpi_compute_skips_the_same_bad_lines_with_either_engine(tmp_path: Path) -> None:
    lines = simulated(datetime(2026, 11, 24, 8, tzinfo=UTC), 1, seed=7)
    lines.insert(4, b'{"type": "contact.arrived", "event_id": "x1", "occurred_at": "yesterday"}')
    lines.insert(9, b"{not json")
    lines.insert(
        20,
        b'{"event_id":"f1","schema_version":1,"type":"contact.arrived","occurred_at":'
        b'"2026-11-24T08:10:00Z","client":"acme","queue":"q","channel":"fax","contact_id":"c",'
        b'"customer_id":"u"}',
    )  # valid JSON, an unknown channel: skipped, not a crash
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"".join(line + b"\n" for line in lines) + b"\n")  # a blank line at the end
    said = []
    for engine in ("python", "sql"):
        done = cckpi("compute", "--events", str(events), "--engine", engine, timeout=300, text=False)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
        said.append((done.stdout, done.stderr.replace(b" (SQL engine)", b"")))
    assert said[0] == said[1]
    assert b"skipped 3 bad line(s)" in said[0][1] and b"(line 5)" in said[0][1] and b"(line 10)" in said[0][1]
