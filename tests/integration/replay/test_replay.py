"""Replay from the raw archive re-derives the live rows, stores them beside them, proves its inputs
with digests, and says so in its exit status; drill-down lists the contacts behind a row."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

import pytest

from cckpi.stack.broker import TansuBroker
from schemas.sla import SlaSettings
from streams.engine.intervals import iso_utc, parse_iso
from streams.kafka import committed_offsets
from streams.replay.drill_down import contacts_behind
from streams.replay.kafka_source import read_kafka
from streams.replay.rederive import replay
from streams.storage.backends.connect import connect
from streams.storage.kpi_reads import read_kpi_rows
from streams.storage.schema.tables import KPI_COLUMNS
from streams.storage.sql_derivation import SqlEngineError
from tests.helpers.cli import cckpi
from tests.helpers.events import BASE, SIM_END, SIM_START, as_messages, raw
from tests.helpers.harness import load_through_stages, new_settings, run_pipeline

pytestmark = pytest.mark.integration


def test_replay_agrees_then_detects_a_tampered_row(
    tmp_path: Path,
    broker: TansuBroker,
    store_url: str | None,
    simulated_events: list[dict],  # type: ignore[type-arg]
) -> None:
    settings = new_settings(tmp_path, broker.bootstrap, store_url)
    run = run_pipeline(settings, as_messages(simulated_events), store_url)
    store = run.open_store()
    try:
        since, until = int(SIM_START.timestamp()), int(SIM_END.timestamp())
        live_before = read_kpi_rows(store, 900)
        result = replay(store, SlaSettings(), since, until, None)
        assert result.agrees, result.report["differences"][:5]
        # Every event of the range's contacts; agent states feed no KPI row, so are not read.
        assert result.events == sum(e["type"] != "agent.state" for e in simulated_events)
        assert result.rows > 100
        # A range cut mid-interval is widened to whole rows: it reads the same and agrees.
        ragged = replay(store, SlaSettings(), since + 420, until - 420, None)
        assert ragged.agrees and ragged.events == result.events and ragged.rows == result.rows
        assert (ragged.report["from"], ragged.report["to"]) == (iso_utc(since), iso_utc(until))
        stored = store.query("SELECT count() FROM replay_kpi WHERE run_id = %(r)s", {"r": result.run_id})
        assert stored[0][0] == result.rows
        assert read_kpi_rows(store, 900) == live_before  # beside the live rows, never over them
        assert store.query("SELECT agrees FROM replay_runs WHERE run_id = %(r)s", {"r": result.run_id}) == [
            (1,)
        ]

        # The SQL derivation, run inside ClickHouse over the archive: the same rows, alone and
        # beside the Python engine (where the server is too old for it, it says so).
        if store_url is None:
            both = replay(store, SlaSettings(), since, until, None, engines=("python", "sql"))
            assert both.agrees and both.report["engine_differences"] == [] and both.rows == result.rows
            alone = replay(store, SlaSettings(), since, until, None, engines=("sql",))
            assert alone.agrees and alone.rows == result.rows and alone.events == result.events
        else:
            with pytest.raises(SqlEngineError, match="too old"):
                replay(store, SlaSettings(), since, until, None, engines=("sql",))

        # The same range read back from Kafka, outside the live group: same inputs, same rows.
        group_offsets = committed_offsets(broker.bootstrap, settings.group, settings.topic)
        from_kafka = replay(store, SlaSettings(), since, until, None,
                            read_kafka(broker.bootstrap, settings.topic, since, until, None))  # fmt: skip
        assert from_kafka.agrees and from_kafka.events == result.events
        assert from_kafka.report["inputs_sha256"] == result.report["inputs_sha256"]
        assert committed_offsets(broker.bootstrap, settings.group, settings.topic) == group_offsets

        # An auditor recomputes one row's digest from the archive alone.
        row_key, digest = next(iter(result.report["inputs_sha256"].items()))
        client, queue, channel, start = row_key.split("/")
        behind = contacts_behind(store, client, queue, parse_iso(start))
        fed = sorted({(e["event_id"], e["payload"].encode()) for c in behind if c["channel"] == channel
                      for e in c["events"]})  # fmt: skip
        assert (
            fed
            and hashlib.sha256(b"".join(i.encode() + b"\x1f" + p + b"\n" for i, p in fed)).hexdigest()
            == digest
        )
        stored_row = next(r for r in live_before if (r.client, r.queue, r.channel, r.interval_start) ==
                          (client, queue, channel, start))  # fmt: skip
        assert sum(1 for c in behind if c["channel"] == channel) == stored_row.offered

        # Tamper with one live row (a newer partial with one contact too many): replay must say so.
        vector = [0] * (len(KPI_COLUMNS) - 6)
        vector[0] = 1
        store.insert("kpi_interval", KPI_COLUMNS,
                     [[client, queue, channel, parse_iso(start), "tampered", 1, *vector]])  # fmt: skip
        tampered = replay(store, SlaSettings(), since, until, None)
        assert not tampered.agrees and tampered.differing_rows == 1
        assert {d["column"] for d in tampered.report["differences"]} == {"offered"}
        if store_url is None:  # the SQL engine sees it too, and the two engines still agree
            both = replay(store, SlaSettings(), since, until, None, engines=("python", "sql"))
            assert both.differing_rows == 1 and both.report["engine_differences"] == []
    finally:
        store.close()


def test_replay_cli_exit_status(tmp_path: Path, broker: TansuBroker, clickhouse_server: Any,
                                simulated_events: list[dict]) -> None:  # type: ignore[type-arg]  # fmt: skip
    import os

    settings = new_settings(tmp_path, broker.bootstrap, clickhouse_server.url)
    run_pipeline(settings, as_messages(simulated_events[:3000]), clickhouse_server.url)
    env = {**os.environ, "CLICKHOUSE_URL": clickhouse_server.url, "CCKPI_DATABASE": settings.database}
    done = cckpi("replay", "--from", SIM_START.isoformat(), "--to", SIM_END.isoformat(), "--client", "acme",
                 "--report", str(tmp_path / "audit.json"), env=env, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "agrees with the live rows" in done.stdout and (tmp_path / "audit.json").exists()
    drill = cckpi("audit", "contacts", "--client", "acme", "--queue", "billing",
                  "--interval", "2026-11-23T08:00:00Z", env=env, timeout=60)  # fmt: skip
    assert drill.returncode == 0 and drill.stdout.count("\n") >= 1, drill.stderr


def test_replay_reads_everything_a_range_depends_on_however_late(
    tmp_path: Path, store_url: str | None
) -> None:
    day = 86_400.0
    events = [
        raw("contact.arrived", 0, "c1", channel="email", customer_id="u1"),
        raw("contact.answered", 100, "c1", channel="email"),
        raw("contact.ended", 3 * day, "c1", channel="email"),  # an email closed three days later
        raw("contact.arrived", 9.5 * day, "c2", channel="email", customer_id="u1"),  # its repeat
        raw("contact.arrived", 10, "c3", customer_id="u2"),
        raw("contact.answered", 20, "c3"),
        raw("contact.ended", 200, "c3"),
        raw(
            "survey.answered", 12 * day, "c3", csat=5, ces=6, comment="Quick — merci, Zoë!"
        ),  # twelve days later
        raw("agent.state", 5, state="available"),
    ]
    store = connect(store_url, tmp_path, f"late_{uuid.uuid4().hex[:8]}")
    try:
        load_through_stages(store, events)
        since = int(BASE.timestamp())
        result = replay(store, SlaSettings(), since, since + 3600, None)
        assert result.agrees, result.report["differences"]
        assert result.events == 8  # the range's contacts, the customer's later arrival; no agent state
        rows = {r.channel: r for r in read_kpi_rows(store, 900, None, since, since + 3600)}
        assert (rows["call"].fcr_success, rows["call"].csat_responses, rows["email"].fcr_success) == (1, 1, 0)
        # The customer's words reach the client's own drill-down, and no KPI table.
        (c3,) = [c for c in contacts_behind(store, "acme", "billing", since) if c["contact_id"] == "c3"]
        assert c3["survey"] == {"csat": 5, "nps": None, "ces": 6, "comment": "Quick — merci, Zoë!"}
        assert c3["agent_id"] == "a1" and c3["reason"] == ""
    finally:
        store.close()
