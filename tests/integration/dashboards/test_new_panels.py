"""The panels added with kpis.md's "Additions to version 1" (staffing, agents, effort, cost,
reasons, alerts) and Grafana's alert rules, run on the seeded store (chDB and 18.16), give what
``cckpi compute --grain`` and the worker's own rule functions give for the same events."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dashboards.alert_sql import RULES
from dashboards.panels import expand_macros
from schemas.breakdowns import AgentRow, ReasonRow, StaffingRow
from schemas.sla import load_sla
from schemas.wire import AgentState
from streams.batch.compute import compute_rows
from streams.batch.grain_rows import grain_rows
from streams.engine.agent_states import AgentBoard
from streams.engine.alert_rules import WINDOW_S, LaneView, lane_breaches
from streams.engine.contributions import ratios
from streams.engine.monthly import top_reasons
from streams.stages.contact_book import ContactBook
from streams.stages.now import agents_by_state, waiting_now
from streams.storage.backends.connect import connect
from streams.storage.backends.protocol import ClickHouse
from streams.storage.schema.migrate import migrate
from tests.helpers.panel_runs import CLIENT, FROM, SLA_FILE, TO, close, run, sql_of

pytestmark = pytest.mark.integration


def stamp(value: Any) -> str:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value).replace(" ", "T") + ("" if str(value).endswith("Z") else "Z")


def test_staffing_panel_equals_the_staffing_grain(seeded: tuple[ClickHouse, list[Any]]) -> None:
    store, events = seeded
    rows = [r for r in grain_rows(events, load_sla(SLA_FILE), "staffing") if isinstance(r, StaffingRow)]
    expected = {(r.client, r.interval_start, r.queue, r.channel): r for r in rows}
    title = "Staffing: agents required (Erlang C) vs staffed, per interval"
    got = []
    for client in sorted({r.client for r in rows}):
        variables = {"client": client, "timezone": "UTC", "grain": "day"}
        got += [(client, *r) for r in store.query(expand_macros(sql_of(title), FROM, TO, variables))]
    assert len(got) > 100
    short = 0
    for client, start, queue, channel, offered, aht, traffic, required, staffed, shortfall in got:
        want = expected[(client, stamp(start), queue, channel)]
        assert offered == want.offered
        assert close(aht, want.aht_s) or abs(aht - want.aht_s) < 1e-9 * want.aht_s
        assert (traffic is None) == (want.traffic_erlangs is None)
        assert traffic is None or abs(traffic - want.traffic_erlangs) < 1e-9 * max(1.0, traffic)
        assert required == want.required_agents, (client, start, queue, channel)
        assert abs(staffed - want.staffed_agents) < 1e-9
        assert (shortfall is None) == (want.shortfall_agents is None)
        assert shortfall is None or abs(shortfall - want.shortfall_agents) < 1e-9
        short += bool(shortfall)
    # Every staffing row with contacts is on the panel (quiet staffed intervals are not).
    assert {k for k, r in expected.items() if r.offered} <= {(r[0], stamp(r[1]), r[2], r[3]) for r in got}
    assert short > 0  # the simulator staffs short at times, or this proves little


def test_agents_dashboard_equals_the_agents_grain(seeded: tuple[ClickHouse, list[Any]]) -> None:
    store, events = seeded
    totals: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in grain_rows(events, load_sla(SLA_FILE), "agents"):
        if isinstance(r, AgentRow) and r.client == CLIENT:
            for name in ("available_s", "busy_s", "wrap_s", "away_s", "staffed_s", "handled", "handle_s_sum",
                         "fcr_success", "csat_responses", "csat_satisfied"):  # fmt: skip
                totals[(r.agent_id, r.queue)][name] += getattr(r, name)
    got = run(store, "Agents over the range: state time, occupancy, handled, AHT")
    assert {(r[0], r[1]) for r in got} == set(totals) and len(got) > 10
    for row in got:
        agent, queue, staffed_h, available_h, busy_h, wrap_h, away_h, occupancy, handled, aht, fcr, csat = row
        t = totals[(agent, queue)]
        for hours, name in ((staffed_h, "staffed_s"), (available_h, "available_s"), (busy_h, "busy_s"),
                            (wrap_h, "wrap_s"), (away_h, "away_s")):  # fmt: skip
            assert abs(hours * 3600 - t[name]) < 1e-6, (agent, name)
        base = t["available_s"] + t["busy_s"] + t["wrap_s"]
        assert (
            close(occupancy, (t["busy_s"] + t["wrap_s"]) / base if base else None)
            or abs(occupancy - (t["busy_s"] + t["wrap_s"]) / base) < 1e-9
        )
        assert handled == t["handled"]
        assert aht is None if not handled else abs(aht - t["handle_s_sum"] / handled) < 1e-6
        assert close(fcr, t["fcr_success"] / handled if handled else None)
        assert close(csat, t["csat_satisfied"] / t["csat_responses"] if t["csat_responses"] else None)
    occupancy_rows = run(store, "Occupancy by queue")
    assert occupancy_rows and all(r[2] is None or 0 <= r[2] <= 1 for r in occupancy_rows)


def test_client_effort_cost_and_reasons(seeded: tuple[ClickHouse, list[Any]]) -> None:
    store, events = seeded
    sla = load_sla(SLA_FILE)
    lanes: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in compute_rows(events, sla):
        if row.client == CLIENT:
            for name, value in row.model_dump().items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    lanes[(row.queue, row.channel)][name] += value
    got = run(store, "Effort and cost per contact, by queue")
    assert {(r[0], r[1]) for r in got} == set(lanes)
    costs = 0
    for queue, channel, transfer_rate, ces, survey_rate, cost, currency in got:
        cost_of = sla.hourly_cost(CLIENT, queue, channel)
        want = ratios(lanes[(queue, channel)], sla.formula(CLIENT), cost_of)
        assert close(transfer_rate, want["transfer_rate"]), (queue, channel)
        assert close(ces, want["ces"]) and close(survey_rate, want["survey_response_rate"])
        assert cost == want["cost_per_contact"] or abs(cost - want["cost_per_contact"]) < 1e-9
        assert currency == sla.thresholds(CLIENT, queue, channel).currency
        costs += cost is not None
    assert costs > 0 and any(r[3] is not None for r in got)  # the example SLA file sets costs and CES shows
    reasons = [r for r in grain_rows(events, sla, "reasons") if isinstance(r, ReasonRow)]
    reasons = [r for r in reasons if r.client == CLIENT]
    want_top = top_reasons(reasons)
    got_top = run(store, "Top wrap-up reasons (AHT, FCR)")
    assert [(r[0], r[1], r[2], r[3]) for r in got_top] == [
        (t["queue"], t["channel"], t["reason"], t["handled"]) for t in want_top
    ] and len(got_top) == 10
    for row, want in zip(got_top, want_top, strict=True):
        assert abs(row[4] - want["aht_s"]) < 1e-6 and close(row[5], want["fcr_rate"])
    ((_, transfer, survey, ces_day),) = run(store, "Transfer rate, survey response rate and CES, per period")
    names = ("transferred", "answered", "surveyed", "handled", "ces_sum", "ces_responses")
    total = {k: sum(lane[k] for lane in lanes.values()) for k in names}
    assert close(transfer, total["transferred"] / total["answered"])
    assert close(survey, total["surveyed"] / total["handled"])
    assert close(ces_day, total["ces_sum"] / total["ces_responses"])


def test_service_level_panels_follow_the_clients_formula(seeded: tuple[ClickHouse, list[Any]]) -> None:
    """globex counts service level with ``abandons_in_sl_excluded``: the panels must too."""
    store, events = seeded
    sla = load_sla(SLA_FILE)
    assert sla.formula("globex") == "abandons_in_sl_excluded"
    total: dict[str, float] = defaultdict(float)
    for row in compute_rows(events, sla):
        if row.client == "globex":
            for name, value in row.model_dump().items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    total[name] += value
    variables = {"client": "globex", "timezone": "America/New_York", "grain": "month"}
    sql = expand_macros(sql_of("Service level vs target, per day, week or month"), FROM, TO, variables)
    ((_, level, _, _),) = store.query(sql)
    assert close(level, ratios(total, "abandons_in_sl_excluded")["service_level"])
    default = total["answered_in_sl"] / (total["offered"] - total["short_abandoned"])
    assert abs(level - default) > 1e-6  # the formulas differ on these contacts, or this proves nothing


def rule_rows(store: ClickHouse, rule: str, now: int) -> set[tuple[str, ...]]:
    """The scopes for which a Grafana rule's query says the rule holds at ``now``."""
    rows = store.query(expand_macros(RULES[rule][1], now - 86_400, now, {}))
    return {tuple(str(v) for v in r[:-1]) for r in rows if r[-1] == 1}


@pytest.mark.parametrize("minute", [11 * 60 + 7, 12 * 60 + 59])
def test_grafana_alert_rules_agree_with_the_workers_rules(
    seeded: tuple[ClickHouse, list[Any]], minute: int
) -> None:
    """Each lane rule's SQL at "now" holds for exactly the lanes the engine's rule functions pick
    from the same events (agents as of the end of the data: agent_states keeps the latest)."""
    store, events = seeded
    sla = load_sla(SLA_FILE)
    now = int(datetime(2026, 11, 23, tzinfo=UTC).timestamp()) + minute * 60
    book, board = ContactBook(sla.thresholds), AgentBoard()
    for event in events:
        if isinstance(event, AgentState):
            board.apply(event)
        elif event.occurred_us <= now * 1_000_000:
            book.apply(event)
    waiting = waiting_now([book], now * 1_000_000)
    agents = agents_by_state(board)
    since = now - WINDOW_S - now % 60
    window: dict[tuple[str, str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in compute_rows(events, sla, interval_s=60):
        start = int(datetime.fromisoformat(row.interval_start.replace("Z", "+00:00")).timestamp())
        if since <= start <= now:
            for name, value in row.model_dump().items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    window[(row.client, row.queue, row.channel)][name] += value
    expected: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for lane in set(window) | set(waiting):
        sums_ = window.get(lane)
        derived = ratios(sums_, sla.formula(lane[0])) if sums_ else {}
        now_ = waiting.get(lane, {})
        states = agents.get(lane[:2])
        view = LaneView(
            offered=int(sums_["offered"]) if sums_ else 0,
            service_level=derived.get("service_level"),
            abandon_rate=derived.get("abandon_rate"),
            waiting=int(now_.get("waiting", 0)),
            longest_wait_s=now_.get("longest_wait_s", 0.0),
            available=None if states is None else states.get("available", 0),
        )
        for breach in lane_breaches(lane, view, sla.thresholds(*lane)):
            expected[breach.rule].add(lane)
    fired = 0
    for rule in ("service_level", "abandon_rate", "longest_wait", "no_agent_available"):
        assert rule_rows(store, rule, now) == expected[rule], rule
        fired += len(expected[rule])
    assert fired > 0  # some rule holds at these minutes, or the comparison proves little


def test_pipeline_alert_rules(seeded: tuple[ClickHouse, list[Any]]) -> None:
    """Dead letters (received in the last 15 minutes of wall time) and consumer lag (drained)."""
    store, _ = seeded
    now = int(datetime.now(UTC).timestamp())
    (dead,), = store.query("SELECT count() FROM dead_letters FINAL")  # fmt: skip
    limit = load_sla(SLA_FILE).config.alerting.max_dead_letters_15m
    assert rule_rows(store, "dead_letters", now) == ({()} if dead > limit else set())
    assert rule_rows(store, "dead_letters", now + 3600) == set()  # a quiet quarter hour later
    assert rule_rows(store, "consumer_lag", now) == set()  # drained


def test_agents_dashboard_leaves_out_agents_with_nothing_in_the_range(
    tmp_path: Path, store_url: str | None
) -> None:
    """Rows of zero are stored (an open state taken back by a later change, or written again after
    a restart); an agent with nothing else in the range is not on the panel, as in compute."""
    store = connect(store_url, tmp_path, f"agents_zero_{time.time_ns() % 10**9}")
    try:
        migrate(store)
        at = datetime.fromtimestamp(FROM + 3600, UTC)
        columns = ("client", "queue", "agent_id", "interval_start", "source", "version", "available_us")
        store.insert("agent_interval", columns, [
            [CLIENT, "billing", "was-here", at, "agents/0", 1, 900 * 10**6],
            [CLIENT, "billing", "left-before", at, "agents/0", 1, 0],
        ])  # fmt: skip
        got = run(store, "Agents over the range: state time, occupancy, handled, AHT")
    finally:
        store.close()
    assert [(agent, queue, staffed_h) for agent, queue, staffed_h, *_ in got] == [
        ("was-here", "billing", 0.25)
    ]
