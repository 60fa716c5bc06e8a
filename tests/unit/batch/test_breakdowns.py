"""Rows by reason, per agent and for staffing (kpis.md, "Additions to version 1"), on small
hand-made cases through the same engine as ``cckpi compute --grain``."""

from __future__ import annotations

import random
from typing import Any

import pytest

from schemas.sla import SlaFile, SlaSettings
from streams.batch.compute import compute_rows
from streams.batch.grain_rows import grain_rows
from tests.helpers.events import abandoned, answered, arrived, ended, event, survey

SLA = SlaSettings()
HOUR = 3600.0


def state(t: float, name: str, agent: str = "a1", **kw: Any):  # type: ignore[no-untyped-def]
    return event("agent.state", t, agent_id=agent, state=name, **kw)


def rows(events: list[Any], grain: str, sla: SlaSettings = SLA) -> list[dict[str, Any]]:
    return [r.model_dump() for r in grain_rows(events, sla, grain)]


def handled_call(contact: str, t: float, reason: str | None, agent: str = "a1", **kw: Any) -> list[Any]:
    end = {"reason": reason} if reason else {}
    return [arrived(t, contact, customer=contact, **kw), answered(t + 10, contact, agent_id=agent, **kw),
            ended(t + 200, contact, agent_id=agent, **end, **kw)]  # fmt: skip


# --- reasons ---------------------------------------------------------------------------


def test_reason_rows_hold_the_handled_contacts_of_each_reason_with_their_fcr() -> None:
    events = [
        *handled_call("c1", 0, "refund"),
        *handled_call("c2", 60, "refund"),
        *handled_call("c3", 120, "address"),
        *handled_call("c4", 180, None),  # no reason: in no reason row
        arrived(200, "c5", customer="c5"), abandoned(230, "c5"),  # not handled
        arrived(900, "c6", customer="c1"),  # c1's customer calls back: c1 is no FCR success
        survey(400, "c2", csat=5, ces=6),
    ]  # fmt: skip
    found = {r["reason"]: r for r in rows(events, "reasons")}
    assert set(found) == {"refund", "address"}
    refund = found["refund"]
    assert (refund["offered"], refund["handled"], refund["fcr_success"]) == (2, 2, 1)
    assert (refund["csat"], refund["ces"], refund["aht_s"]) == (1.0, 6.0, 130.0)
    assert found["address"]["fcr_rate"] == 1.0
    # The reason rows add up to the KPI row's handled contacts that carry a reason.
    (kpi,) = [r for r in compute_rows(events) if r.interval_start == refund["interval_start"]]
    assert kpi.handled == 4 and sum(r["handled"] for r in found.values()) == 3


# --- agents ----------------------------------------------------------------------------


def test_state_time_is_split_at_interval_boundaries_and_offline_is_not_staffed() -> None:
    events = [state(600, "available"), state(1000, "busy"), state(1300, "wrap"), state(1400, "away"),
              state(2000, "offline"), state(2500, "available"), arrived(2600, "c9")]  # fmt: skip
    found = {r["interval_start"][11:16]: r for r in rows(events, "agents")}
    assert set(found) == {"09:00", "09:15", "09:30"}
    first, second, third = found["09:00"], found["09:15"], found["09:30"]
    assert (first["available_s"], first["staffed_s"]) == (300.0, 300.0)
    assert (second["available_s"], second["busy_s"], second["wrap_s"], second["away_s"]) == (
        100,
        300,
        100,
        400,
    )
    assert second["staffed_s"] == 900 and second["occupancy"] == 400 / 500
    # Away 1800-2000, offline until 2500, then available until the client's latest event (2600).
    assert (third["away_s"], third["available_s"], third["staffed_s"]) == (200, 100, 300)


def test_agent_events_in_any_order_and_duplicated_give_the_same_rows() -> None:
    events = [state(0, "available"), state(300, "busy"), state(500, "wrap"), state(520, "available"),
              state(700, "away", agent="a2"), state(1500, "busy", agent="a2"), arrived(2000)]  # fmt: skip
    expected = rows(events, "agents")
    rng = random.Random(7)
    for _ in range(5):
        shuffled = events + rng.sample(events, 3)
        rng.shuffle(shuffled)
        assert rows(shuffled, "agents") == expected


def test_the_last_state_lasts_until_the_clients_latest_event_at_most_twelve_hours() -> None:
    other = event("contact.arrived", 20 * HOUR, "z1", customer_id="z", client="initech")
    alone = rows([state(0, "available"), other], "agents")
    assert alone == []  # the client has seen nothing after the state: it lasted no time
    long = rows([state(0, "available"), arrived(20 * HOUR, "c1")], "agents")
    assert sum(r["staffed_s"] for r in long) == 12 * HOUR
    assert sum(1 for r in long if r["staffed_s"] == 900) == 48


def test_agent_rows_count_the_contacts_their_end_names_in_the_arrival_interval() -> None:
    events = [state(0, "available", agent="a7"), *handled_call("c1", 880, "x", agent="a7"),
              *handled_call("c2", 100, None, agent="a8"), survey(1200, "c1", csat=2)]  # fmt: skip
    found = {(r["agent_id"], r["interval_start"][11:16]): r for r in rows(events, "agents")}
    a7 = found[("a7", "09:00")]
    assert (a7["handled"], a7["handle_s_sum"], a7["fcr_success"], a7["csat"]) == (1, 130.0, 1, 0.0)
    assert found[("a8", "09:00")]["handled"] == 1 and found[("a8", "09:00")]["staffed_s"] == 0
    assert found[("a7", "09:15")]["handled"] == 0  # the end at 09:16:20 counts in the arrival interval


# --- staffing --------------------------------------------------------------------------


def test_staffing_rows_put_erlang_c_next_to_staffed_agents() -> None:
    events = [state(0, "available", agent=f"a{n}") for n in range(3)]
    for n in range(20):  # 20 calls of 130 s handling in the first interval: 2.9 Erlangs
        events += handled_call(f"c{n}", 10 * n, None, agent="a0")
    events.append(arrived(1799, "late", customer="late"))  # the next interval: 1 offered, no AHT
    found = {r["interval_start"][11:16]: r for r in rows(events, "staffing")}
    first, second = found["09:00"], found["09:15"]
    assert first["offered"] == 20 and first["traffic_erlangs"] == pytest.approx(20 * 130 / 900)
    assert first["required_agents"] == 5  # 4 agents answer 61 % in 20 s, 5 answer 85 %
    assert first["staffed_agents"] == 3 and first["shortfall_agents"] == 2
    assert second["required_agents"] is None and second["shortfall_agents"] is None
    with_target = SlaSettings(SlaFile.model_validate({"defaults": {"aht_target_s": 300}}))
    second = {r["interval_start"][11:16]: r for r in rows(events, "staffing", with_target)}["09:15"]
    # One 300 s call in 900 s: one agent answers 68 % in 20 s, two 96 %.
    assert second["aht_s"] == 300 and second["required_agents"] == 2


def test_email_needs_the_ceiling_of_its_traffic_and_chat_divides_by_concurrency() -> None:
    events = []
    for n in range(9):
        events += handled_call(f"m{n}", n, None, channel="email")
        events += handled_call(f"h{n}", n, None, channel="chat")
    found = {r["channel"]: r for r in rows(events, "staffing")}
    assert found["email"]["required_agents"] == 2  # 9 x 130 s / 900 s = 1.3 Erlangs
    assert found["chat"]["traffic_erlangs"] == pytest.approx(1.3 / 3)
    two = SlaSettings(SlaFile.model_validate({"defaults": {"chat_concurrency": 1}}))
    assert {r["channel"]: r for r in rows(events, "staffing", two)}["chat"][
        "traffic_erlangs"
    ] == pytest.approx(1.3)


def test_a_staffed_quiet_interval_shows_its_agents_and_needs_none() -> None:
    events = [state(0, "available"), *handled_call("c1", 0, None), arrived(3000, "c2", customer="c2")]
    quiet = [r for r in rows(events, "staffing") if r["offered"] == 0]
    assert [r["interval_start"][11:16] for r in quiet] == ["09:15", "09:30"]
    assert all(r["required_agents"] == 0 and r["staffed_agents"] == 1 for r in quiet)
