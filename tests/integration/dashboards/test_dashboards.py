"""Every dashboard panel's own SQL, run on ClickHouse seeded by the real pipeline, gives the numbers
``cckpi compute`` gives for the same events (on chDB and on clickhouse-server 18.16)."""

from __future__ import annotations

import io
import json
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from cckpi.report.files import write_csv
from dashboards.generate import (
    ALERTING,
    GRAFANA_VERSION,
    OUT,
    output_columns,
    path_of,
    render,
    render_alert_rules,
)
from dashboards.panels import DASHBOARDS, expand_macros
from schemas.channels import CHANNELS
from schemas.kpi import KpiRow
from schemas.sla import load_sla
from schemas.vocabulary import LANGUAGES
from schemas.wire import AgentState
from streams.batch.compute import compute_rows
from streams.engine.agent_states import AgentBoard
from streams.engine.alert_rules import LANE_RULES, PIPELINE_RULES
from streams.engine.monthly import build_report
from streams.engine.periods import month_bounds
from streams.stages.contact_book import ContactBook
from streams.storage.backends.protocol import ClickHouse
from streams.storage.kpi_reads import read_kpi_rows
from tests.helpers.bad_messages import BAD_MESSAGES
from tests.helpers.panel_runs import CLIENT, FROM, NOW, SLA_FILE, TO, ZONE, close, run

pytestmark = pytest.mark.integration


def test_committed_dashboards_equal_the_generated_ones() -> None:
    for language in LANGUAGES:
        for uid in DASHBOARDS:
            committed = path_of(uid, language).read_text(encoding="utf-8")
            assert committed == render(uid, language), f"run python -m dashboards.generate ({language}/{uid})"
            model = json.loads(committed)
            assert all(p["datasource"]["uid"] == "cckpi-clickhouse" for p in model["panels"])
            assert all(p["pluginVersion"] == GRAFANA_VERSION for p in model["panels"])
    # Grafana provisions every JSON file under the folder: none but the generated ones.
    generated = {path_of(uid, language) for uid in DASHBOARDS for language in LANGUAGES}
    assert set(OUT.rglob("*.json")) == generated
    assert ALERTING.read_text() == render_alert_rules(), "run python -m dashboards.generate (alert rules)"
    rules = yaml.safe_load(ALERTING.read_text())["groups"][0]["rules"]
    assert [r["labels"]["cckpi_rule"] for r in rules] == list(LANE_RULES + PIPELINE_RULES)
    for rule in rules:  # what Grafana checks when it provisions the file
        assert len(rule["uid"]) <= 40 and rule["condition"] in {d["refId"] for d in rule["data"]}
        assert rule["data"][0]["datasourceUid"] == "cckpi-clickhouse"


def test_each_columns_words_reach_the_column_grafana_gets(seeded: tuple[ClickHouse, list[Any]]) -> None:
    """The headers and value words are matched by column name: the names the generator reads
    from each panel's SQL are the ones ClickHouse returns."""
    store, _ = seeded
    variables = {"client": CLIENT, "timezone": ZONE, "grain": "day"}
    for _, panels in DASHBOARDS.values():
        for panel in panels:
            sql = expand_macros(panel.sql, FROM, TO, variables)
            returned = [row[0] for row in store.query(f"DESCRIBE TABLE ({sql})")]
            assert returned == output_columns(panel.sql), panel.title


def minute_sums(rows: list[KpiRow], since: int, until: int) -> dict[tuple[str, str], dict[str, float]]:
    out: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        start = int(datetime.fromisoformat(row.interval_start.replace("Z", "+00:00")).timestamp())
        if row.client == CLIENT and since <= start <= until:
            for name, value in row.model_dump().items():
                if isinstance(value, int | float) and name in KpiRow.model_fields and value is not None:
                    out[(row.queue, row.channel)][name] += value
    return out


def sl(s: dict[str, float]) -> float | None:
    base = s["offered"] - s["short_abandoned"] - s["self_served"]  # kpis.md: what agents were asked
    return None if base == 0 else s["answered_in_sl"] / base


def test_wallboard_service_level(seeded: tuple[ClickHouse, list[Any]]) -> None:
    store, events = seeded
    minute = compute_rows(events, load_sla(SLA_FILE), interval_s=60)
    day_start = int(
        datetime.fromtimestamp(NOW, ZoneInfo(ZONE)).replace(hour=0, minute=0, second=0).timestamp()
    )
    windows = {"15m": minute_sums(minute, NOW - 900, NOW), "60m": minute_sums(minute, NOW - 3600, NOW),
               "today": minute_sums(minute, day_start, NOW)}  # fmt: skip
    got = run(store, "Service level by queue (15 min, 60 min, today)", to=NOW)
    assert {(r[1], r[2]) for r in got} == set(windows["today"])
    for _, queue, channel, sl15, sl60, sl_day, target, status in got:
        key = (queue, channel)
        assert close(sl15, sl(windows["15m"].get(key, defaultdict(float)))), key
        assert close(sl60, sl(windows["60m"].get(key, defaultdict(float)))), key
        assert close(sl_day, sl(windows["today"][key])), key
        assert target == (0.85 if key == ("billing", "call") else 0.80)
        assert status in ("in SLA", "at risk", "breached", "no calls")
    today = {(r[1], r[2]): r for r in run(store, "Today by queue", to=NOW)}
    for key, s in windows["today"].items():
        _, _, _, offered, answered, abandoned, answer_rate, abandon_rate, self_service, asa, aht = today[key]
        assert (offered, answered, abandoned) == (s["offered"], s["answered"], s["abandoned"])
        base = s["offered"] - s["short_abandoned"] - s["self_served"]
        assert close(self_service, s["self_served"] / s["offered"] if s["offered"] else None)
        assert close(answer_rate, s["answered"] / base if base else None)
        assert close(abandon_rate, (s["abandoned"] - s["short_abandoned"]) / base if base else None)
        assert close(asa, s["wait_s_sum"] / s["answered"] if s["answered"] else None)
        assert close(aht, s["handle_s_sum"] / s["handled"] if s["handled"] else None)


def test_wallboard_waiting_now_and_agents(seeded: tuple[ClickHouse, list[Any]]) -> None:
    store, events = seeded
    book = ContactBook(load_sla(SLA_FILE).thresholds)
    board = AgentBoard()
    for event in events:
        if isinstance(event, AgentState):
            board.apply(event)
        else:
            book.apply(event)
    now_us = NOW * 1_000_000
    waiting: Counter[tuple[str, str]] = Counter()
    longest: dict[tuple[str, str], int] = {}
    for c in book.contacts.values():
        a = c.arrival
        if c.client != CLIENT or a is None or a.at_us > now_us or a.outbound:
            continue
        if any(slot is not None and slot[0] <= now_us for slot in (c.answered, c.abandoned, c.self_served)):
            continue
        if c.ended is not None and c.ended.at_us <= now_us:
            continue
        waiting[(a.queue, a.channel)] += 1
        longest[(a.queue, a.channel)] = max(longest.get((a.queue, a.channel), 0), NOW - a.at_us // 1_000_000)
    got = {(r[1], r[2]): (r[3], r[4]) for r in run(store, "Waiting now", to=NOW)}
    assert got == {key: (count, longest[key]) for key, count in waiting.items()}
    assert sum(waiting.values()) > 0  # the seeded hour has a queue, or this test proves nothing

    states = Counter((s.queue, s.state) for s in board.agents.values() if s.client == CLIENT)
    assert {(r[0], r[1]): r[2] for r in run(store, "Agents by state", to=2**31 - 1)} == dict(states)


def test_client_sla_review(seeded: tuple[ClickHouse, list[Any]]) -> None:
    store, events = seeded
    sla = load_sla(SLA_FILE)
    rows = [r for r in compute_rows(events, sla) if r.client == CLIENT]
    total: dict[str, float] = defaultdict(float)
    by_channel: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        for name, value in row.model_dump().items():
            if isinstance(value, int | float) and not isinstance(value, bool) and value is not None:
                total[name] += value
                by_channel[row.channel][name] += value
    per_day = run(store, "Service level vs target, per day, week or month")
    ((day, service_level, _target, attained),) = per_day
    assert str(day) == "2026-11-23"
    assert close(service_level, sl(total))
    (_, *volumes), = run(store, "Volume by channel, per period")  # fmt: skip
    ((week, *_),) = run(store, "Volume by channel, per period", grain="week")
    ((month, *_),) = run(store, "Volume by channel, per period", grain="month")
    assert (str(week), str(month)) == ("2026-11-23", "2026-11-01")  # a Monday; the 1st
    assert volumes == [by_channel[c]["offered"] if c in by_channel else 0 for c in CHANNELS]  # every channel
    (_, aht, talk), = run(store, "Handling time (AHT, talk), per period")  # fmt: skip
    assert close(aht, total["handle_s_sum"] / total["handled"])
    assert close(talk, total["talk_s_sum"] / total["handled"])
    (_, fcr, csat, nps), = run(store, "FCR, CSAT and NPS, per period")  # fmt: skip
    assert close(fcr, total["fcr_success"] / total["handled"])
    assert close(csat, total["csat_satisfied"] / total["csat_responses"])
    assert close(nps, 100 * (total["nps_promoters"] - total["nps_detractors"]) / total["nps_responses"])
    first = {r[0]: r[1:] for r in run(store, "First response, written channels")}
    for channel in ("email", "chat"):
        s = by_channel[channel]
        count, average, within = first[channel]
        assert count == s["first_responses"] > 0
        assert close(average, s["first_response_s_sum"] / s["first_responses"])
        assert close(within, s["first_responses_in_target"] / s["first_responses"])
    resolution = {r[0]: r[1:] for r in run(store, "Self-service and resolution time, by channel")}
    assert set(resolution) == set(by_channel)
    for channel, s in by_channel.items():
        offered, served, rate, resolved, average, target, judged = resolution[channel]
        assert (offered, served, resolved) == (s["offered"], s["self_served"], s["resolved"])
        assert close(rate, s["self_served"] / s["offered"]) and resolved > 0
        assert close(average, s["resolution_s_sum"] / s["resolved"])
        expected_target = sla.thresholds(CLIENT, "billing", channel).resolution_target_s
        assert (target, judged == "no target") == (expected_target, expected_target is None)
    breaches = {(r[0].strftime("%Y-%m-%dT%H:%M:%SZ") if hasattr(r[0], "strftime") else str(r[0]), r[1], r[2])
                for r in run(store, "Intervals that breached the SLA")}  # fmt: skip
    expected = {(r.interval_start, r.queue, r.channel) for r in rows
                if r.service_level is not None
                and r.service_level < sla.thresholds(CLIENT, r.queue, r.channel).sl_target}  # fmt: skip
    assert len(breaches) == len(expected) > 0


def test_operations(seeded: tuple[ClickHouse, list[Any]]) -> None:
    store, events = seeded
    per_minute = Counter(e.occurred_us // 60_000_000 for e in events)
    got = run(store, "Events per second (event time)", start=0, to=2**31 - 1)
    assert sum(round(r[1] * 60) for r in got) == len(events)
    assert len(got) == len(per_minute)
    reasons = {r[0]: r[1] for r in run(store, "Dead letters by reason", start=0, to=2**31 - 1)}
    assert sum(reasons.values()) == len(BAD_MESSAGES)
    late = run(store, "Late events (received after occurring)", start=0, to=2**31 - 1)
    assert sum(r[1] for r in late) == len(events)
    lag = run(store, "Consumer lag", start=0, to=2**31 - 1)
    assert lag and all(r[1] >= 0 for r in lag)
    assert run(store, "Replay runs") == []
    assert run(store, "Beyond the live retention: events to replay, by hour", start=0, to=2**31 - 1) == []


def test_client_report_from_clickhouse_equals_the_recompute(seeded: tuple[ClickHouse, list[Any]]) -> None:
    """``cckpi report`` reads the stored rows; its CSV equals the one built by recomputing the events."""
    store, events = seeded
    sla = load_sla(SLA_FILE)
    start, end = month_bounds("2026-11", ZONE)
    stored = read_kpi_rows(store, 900, CLIENT, start, end, formula=sla.formula)
    recomputed = [r for r in compute_rows(events, sla) if r.client == CLIENT]
    as_csv = []
    for rows in (stored, recomputed):
        out = io.StringIO()
        write_csv(build_report(rows, CLIENT, "2026-11", sla), out)
        as_csv.append(out.getvalue())
    assert as_csv[0] == as_csv[1]
    assert as_csv[0].count("\n") > 5
