"""Every rule of kpis.md on small hand-made cases, through the same engine as the stream."""

from __future__ import annotations

import random
from typing import Any

import pytest

from schemas.sla import SlaFile, SlaSettings
from streams.batch.compute import compute_rows
from tests.helpers.events import abandoned, answered, arrived, at, ended, event, replied, self_served, survey

DAY = 86_400.0


def one_row(events: list[Any], **kw: Any) -> dict[str, Any]:
    rows = compute_rows(events, **kw)
    assert len(rows) == 1, rows
    return rows[0].model_dump()


def rows_by_start(events: list[Any], channel: str = "call") -> dict[str, dict[str, Any]]:
    return {
        r.interval_start: r.model_dump()
        for r in compute_rows(events)
        if r.channel == channel and r.queue == "billing"
    }


# --- intervals -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "start"),
    [
        (0, "2026-11-23T09:00:00Z"),
        (899.999999, "2026-11-23T09:00:00Z"),
        (900, "2026-11-23T09:15:00Z"),
        (3599, "2026-11-23T09:45:00Z"),
        (-0.000001, "2026-11-23T08:45:00Z"),
    ],
)
def test_interval_boundaries(seconds: float, start: str) -> None:
    assert one_row([arrived(seconds)])["interval_start"] == start


def test_time_zone_offsets_are_event_time_in_utc() -> None:
    # 10:14:59+01:00 is 09:14:59Z: the 09:00 interval, not 10:00 and not 09:15.
    row = one_row([arrived(0, occurred_at="2026-11-23T10:14:59+01:00")])
    assert row["interval_start"] == "2026-11-23T09:00:00Z"
    row = one_row([arrived(0, occurred_at="2026-11-23T04:15:00-05:00")])
    assert row["interval_start"] == "2026-11-23T09:15:00Z"


def test_outcome_attributed_to_arrival_interval_queue_and_channel() -> None:
    events = [
        arrived(890),
        event("contact.transferred", 895, to_queue="sales", queue="billing"),
        answered(905, queue="sales"),
        ended(1200, queue="sales"),
    ]
    row = one_row(events)
    assert (row["queue"], row["interval_start"]) == ("billing", "2026-11-23T09:00:00Z")
    assert (row["answered"], row["handled"], row["wait_s_sum"]) == (1, 1, 15.0)


# --- service level ---------------------------------------------------------------------


@pytest.mark.parametrize(("wait", "in_sl"), [(0, 1), (19.999, 1), (20, 1), (20.001, 0), (300, 0)])
def test_wait_exactly_threshold_is_in_sl(wait: float, in_sl: int) -> None:
    row = one_row([arrived(0), answered(wait)])
    assert row["answered_in_sl"] == in_sl
    assert row["wait_s_sum"] == pytest.approx(wait)
    assert row["service_level"] == in_sl


@pytest.mark.parametrize(
    ("channel", "wait", "in_sl"),
    [("email", 7200, 1), ("email", 7201, 0), ("chat", 20, 1), ("chat", 20.5, 0), ("messaging", 900, 1),
     ("messaging", 901, 0), ("social", 3600, 1), ("social", 3601, 0), ("form", 7200, 1), ("form", 7201, 0)],
)  # fmt: skip
def test_threshold_by_channel(channel: str, wait: float, in_sl: int) -> None:
    row = one_row([arrived(0, channel=channel), answered(wait, channel=channel)])
    assert row["answered_in_sl"] == in_sl


def test_sla_file_threshold_overrides_default() -> None:
    sla = SlaSettings(
        SlaFile.model_validate(
            {"clients": {"acme": {"queues": {"billing": {"channels": {"call": {"sl_threshold_s": 30}}}}}}}
        )
    )
    assert one_row([arrived(0), answered(25)], sla=sla)["answered_in_sl"] == 1
    assert one_row([arrived(0), answered(25)])["answered_in_sl"] == 0


# --- abandons ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gave_up", "short", "in_sl"),
    [(4.999, 1, 1), (5, 0, 1), (20, 0, 1), (20.5, 0, 0)],
)
def test_short_abandon_exactly_five_seconds_is_not_short(gave_up: float, short: int, in_sl: int) -> None:
    row = one_row([arrived(0), abandoned(gave_up)])
    assert (row["abandoned"], row["short_abandoned"], row["abandoned_in_sl"]) == (1, short, in_sl)


@pytest.mark.parametrize("channel", ["email", "messaging", "social", "form"])
def test_an_abandon_on_an_asynchronous_channel_is_never_short(channel: str) -> None:
    row = one_row([arrived(0, channel=channel), abandoned(1, channel=channel)])
    assert (row["abandoned"], row["short_abandoned"]) == (1, 0)
    chat = one_row([arrived(0, channel="chat"), abandoned(1, channel="chat")])
    assert (chat["abandoned"], chat["short_abandoned"]) == (1, 1)


def test_abandon_after_answer_counts_as_answered_only() -> None:
    row = one_row([arrived(0), answered(10), abandoned(12)])
    assert (row["answered"], row["abandoned"], row["abandoned_in_sl"]) == (1, 0, 0)


def test_rates_exclude_short_abandons() -> None:
    events = [
        arrived(0, "a"),
        answered(10, "a"),
        arrived(0, "b"),
        abandoned(2, "b"),
        arrived(0, "c"),
        abandoned(60, "c"),
        arrived(0, "d"),
        answered(40, "d"),
    ]
    row = one_row(events)
    assert row["offered"] == 4 and row["short_abandoned"] == 1
    assert row["answer_rate"] == pytest.approx(2 / 3)
    assert row["abandon_rate"] == pytest.approx(1 / 3)
    assert row["service_level"] == pytest.approx(1 / 3)


def test_zero_denominators_give_null_not_zero() -> None:
    row = one_row([arrived(0), abandoned(1)])  # only a short abandon: offered - short = 0
    assert row["answer_rate"] is None and row["service_level"] is None
    assert row["asa_s"] is None and row["aht_s"] is None and row["nps"] is None


# --- duplicates, first events, order ---------------------------------------------------------


def test_duplicate_event_ids_count_once() -> None:
    a = arrived(0)
    b = answered(10)
    assert one_row([a, a, b, b, b]) == one_row([a, b])


def test_first_event_is_earliest_occurred_at() -> None:
    row = one_row([arrived(0), answered(30), answered(10)])
    assert row["wait_s_sum"] == 10.0 and row["answered"] == 1


def test_first_event_tie_broken_by_smaller_event_id() -> None:
    late_id = ended(100, event_id="z", talk_s=1, hold_s=0, wrap_s=0, resolved=True)
    early_id = ended(100, event_id="a", talk_s=2, hold_s=0, wrap_s=0, resolved=True)
    for order in ([late_id, early_id], [early_id, late_id]):
        row = one_row([arrived(0), answered(1), *order])
        assert row["talk_s_sum"] == 2.0


def test_duplicate_arrival_uses_first_arrival_interval_and_queue() -> None:
    row = one_row([arrived(950, event_id="x2", queue="sales"), arrived(10, event_id="x1")])
    assert (row["queue"], row["interval_start"], row["offered"]) == (
        "billing",
        "2026-11-23T09:00:00Z",
        1,
    )


def test_any_delivery_order_gives_the_same_rows() -> None:
    events = []
    for i in range(40):
        c = f"c{i}"
        events += [
            arrived(i * 37.0, c, f"u{i % 7}"),
            answered(i * 37.0 + i, c),
            ended(i * 37.0 + 300, c, resolved=i % 3 != 0),
            survey(i * 37.0 + 400, c, csat=1 + i % 5, nps=i % 11),
        ]
    expected = compute_rows(events)
    rng = random.Random(7)
    for _ in range(5):
        shuffled = events + events[::3]
        rng.shuffle(shuffled)
        assert compute_rows(shuffled) == expected


# --- orphans and handling -------------------------------------------------------------------


def test_orphan_events_count_nothing_until_arrival() -> None:
    assert compute_rows([answered(10), ended(100)]) == []
    row = one_row([answered(10), ended(100), arrived(0)])
    assert (row["offered"], row["answered"], row["handled"]) == (1, 1, 1)


def test_handling_sums_only_for_answered_contacts() -> None:
    events = [
        arrived(0, "a"),
        answered(5, "a"),
        ended(200, "a", talk_s=120.5, hold_s=30, wrap_s=15.25, resolved=False),
        arrived(0, "b"),
        abandoned(30, "b"),
        ended(40, "b", talk_s=9, hold_s=9, wrap_s=9, resolved=False),
    ]
    row = one_row(events)
    assert row["handled"] == 1
    assert (row["talk_s_sum"], row["hold_s_sum"], row["wrap_s_sum"]) == (120.5, 30.0, 15.25)
    assert row["handle_s_sum"] == 165.75 and row["aht_s"] == 165.75 and row["avg_talk_s"] == 120.5


def test_first_response_from_first_reply() -> None:
    row = one_row(
        [
            arrived(0, channel="email"),
            replied(5000, channel="email"),
            replied(3600, channel="email"),
        ]
    )
    assert (row["first_responses"], row["first_response_s_sum"], row["first_response_s"]) == (
        1,
        3600.0,
        3600.0,
    )


# --- FCR -------------------------------------------------------------------------------------


def handled_contact(
    contact: str,
    start: float,
    end: float,
    customer: str = "u1",
    client: str = "acme",
    resolved: bool = True,
    channel: str = "call",
) -> list[Any]:
    return [
        arrived(start, contact, customer, client=client, channel=channel),
        answered(start + 5, contact, client=client, channel=channel),
        ended(end, contact, client=client, channel=channel, resolved=resolved),
    ]


@pytest.mark.parametrize(
    ("repeat_after_end", "first_success"),
    [(None, 1), (60.0, 0), (7 * DAY - 1, 0), (7 * DAY, 0), (7 * DAY + 0.001, 1), (30 * DAY, 1)],
)
def test_fcr_repeat_window(repeat_after_end: float | None, first_success: int) -> None:
    events = handled_contact("c1", 0, 600)
    if repeat_after_end is not None:
        events.append(arrived(600 + repeat_after_end, "c2", "u1", channel="chat"))
    rows = rows_by_start(events)
    assert rows["2026-11-23T09:00:00Z"]["fcr_success"] == first_success


def test_fcr_repeat_before_end_does_not_count() -> None:
    events = handled_contact("c1", 0, 600) + [arrived(300, "c2", "u1", channel="email")]
    assert rows_by_start(events)["2026-11-23T09:00:00Z"]["fcr_success"] == 1


def test_fcr_repeat_exactly_at_end_does_not_count() -> None:
    events = handled_contact("c1", 0, 600) + [arrived(600, "c2", "u1", queue="sales")]
    assert rows_by_start(events)["2026-11-23T09:00:00Z"]["fcr_success"] == 1


def test_fcr_needs_resolved_and_handled() -> None:
    events = handled_contact("c1", 0, 600, resolved=False)
    assert one_row(events)["fcr_success"] == 0
    assert one_row([arrived(0), ended(600)])["fcr_success"] == 0


def test_fcr_other_clients_and_customers_do_not_count() -> None:
    events = handled_contact("c1", 0, 600)
    events += [arrived(700, "c2", "u1", client="globex"), arrived(700, "c3", "u2")]
    rows = {(r.client, r.interval_start): r for r in compute_rows(events)}
    assert rows[("acme", "2026-11-23T09:00:00Z")].fcr_success == 1
    assert rows[("acme", "2026-11-23T09:00:00Z")].fcr_rate == 1.0


def test_later_repeat_turns_success_into_failure_in_earlier_interval() -> None:
    events = handled_contact("c1", 0, 600) + handled_contact("c2", DAY, DAY + 600, channel="email")
    assert rows_by_start(events)["2026-11-23T09:00:00Z"]["fcr_success"] == 0
    assert rows_by_start(events, "email")["2026-11-24T09:00:00Z"]["fcr_success"] == 1


# --- surveys -----------------------------------------------------------------------------


def test_csat_and_nps() -> None:
    scores = [(5, 10), (4, 9), (3, 8), (2, 7), (1, 6), (5, 0), (None, 10), (4, None)]
    events = []
    for i, (csat, nps) in enumerate(scores):
        c = f"c{i}"
        events += [arrived(0, c), answered(3, c)]
        fields = {k: v for k, v in (("csat", csat), ("nps", nps)) if v is not None}
        events.append(survey(500, c, **fields))
    row = one_row(events)
    assert (row["csat_responses"], row["csat_satisfied"]) == (7, 4)
    assert (row["nps_responses"], row["nps_promoters"], row["nps_detractors"]) == (7, 3, 2)
    assert row["csat"] == pytest.approx(4 / 7)
    assert row["nps"] == pytest.approx(100 * (3 - 2) / 7)


def test_the_latest_survey_answer_counts_whole() -> None:
    # kpis.md, "Which event counts": the latest answer replaces every score of earlier ones; a
    # score it lacks is absent.
    row = one_row([arrived(0), survey(100, csat=1), survey(50, csat=5, nps=10)])
    counted = (row["csat_responses"], row["csat_satisfied"], row["nps_responses"], row["surveyed"])
    assert counted == (1, 0, 0, 1)
    edited = one_row([arrived(0), survey(50, csat=2, nps=3), survey(900, csat=5)])
    assert (edited["csat_satisfied"], edited["nps_responses"]) == (1, 0)


@pytest.mark.parametrize("order", [1, -1])
def test_a_tie_on_time_goes_to_the_greater_event_id_whatever_the_order(order: int) -> None:
    answers = [survey(100, csat=1, event_id="s-a"), survey(100, csat=5, event_id="s-b")][::order]
    row = one_row([arrived(0), *answers])
    assert row["csat_satisfied"] == 1  # "s-b": the greater id


def test_a_score_written_as_an_integral_decimal_is_that_integer() -> None:
    row = one_row([arrived(0), survey(100, csat=4.0, nps=10.0, ces=7.0)])
    assert (row["csat_satisfied"], row["nps_promoters"], row["ces_sum"]) == (1, 1, 7)


# --- additions to version 1: transfers, effort, survey response, cost --------------------------


def test_transfers_effort_and_survey_response() -> None:
    events = [arrived(0, "t"), answered(5, "t"), event("contact.transferred", 30, "t", to_queue="sales"),
              event("contact.transferred", 60, "t", to_queue="billing"), ended(200, "t"),  # two: one contact
              arrived(0, "e1"), answered(5, "e1"), ended(100, "e1"), survey(300, "e1", ces=6, comment="easy"),
              arrived(0, "e2"), answered(5, "e2"), ended(100, "e2"), survey(300, "e2", csat=2, ces=3),
              survey(400, "e2", ces=7),  # the latest answer counts, and it has no csat
              arrived(0, "n"), answered(5, "n"), ended(100, "n"), survey(300, "n", nps=9),
              arrived(0, "x"), abandoned(40, "x")]  # fmt: skip
    row = one_row(events)
    assert (row["transferred"], row["answered"], row["transfer_rate"]) == (1, 4, 0.25)
    assert (row["surveyed"], row["handled"], row["survey_response_rate"]) == (3, 4, 0.75)
    assert (row["ces_responses"], row["ces_sum"], row["ces"]) == (2, 13, 6.5)
    assert row["csat_responses"] == 0 and row["nps_responses"] == 1
    assert row["cost_per_contact"] is None  # no hourly cost in the SLA file


def test_cost_per_contact_uses_the_most_specific_hourly_cost() -> None:
    sla = SlaSettings(SlaFile.model_validate({
        "defaults": {"hourly_cost": 30.0, "currency": "EUR"},
        "clients": {"acme": {"queues": {"billing": {"channels": {"chat": {"hourly_cost": 18.0}}}}}},
    }))  # fmt: skip
    events = [arrived(0, "a"), answered(5, "a"), ended(400, "a", talk_s=600, hold_s=0, wrap_s=120),
              arrived(0, "b"), answered(5, "b"), ended(400, "b", talk_s=300, hold_s=60, wrap_s=120),
              arrived(0, "c", channel="chat"), answered(5, "c", channel="chat"),
              ended(400, "c", channel="chat", talk_s=3000, hold_s=0, wrap_s=600)]  # fmt: skip
    rows = {r.channel: r for r in compute_rows(events, sla=sla)}
    assert rows["call"].cost_per_contact == pytest.approx((720 + 480) / 3600 * 30.0 / 2)  # 5.00
    assert rows["chat"].cost_per_contact == pytest.approx(3600 / 3600 * 18.0)
    assert sla.thresholds("acme", "billing", "chat").currency == "EUR"
    assert rows["call"].cost_per_contact == pytest.approx(5.0)


def test_agent_state_events_touch_no_kpi_row() -> None:
    assert compute_rows([event("agent.state", 0, state="available")]) == []
    assert at(0) == "2026-11-23T09:00:00Z"


# --- first response against the SLA target --------------------------------------------------


def test_chat_first_response_target_in_elapsed_time() -> None:
    events = [arrived(0, "a", channel="chat"), replied(60, "a", channel="chat"),
              arrived(0, "b", channel="chat"), replied(61, "b", channel="chat")]  # fmt: skip
    row = one_row(events)
    assert (row["first_responses"], row["first_responses_in_target"]) == (2, 1)
    assert row["first_response_attainment"] == 0.5


@pytest.mark.parametrize("channel", ["email", "messaging", "social", "form"])
def test_first_responses_on_asynchronous_channels_count_business_time(channel: str) -> None:
    sla = SlaSettings(SlaFile.model_validate({
        "clients": {"acme": {
            "timezone": "UTC",
            "first_response_target_s": 3600,
            "business_hours": {"monday": ["09:00-17:00"], "tuesday": ["09:00-17:00"]},
        }}
    }))  # fmt: skip
    # BASE is Monday 2026-11-23 09:00 UTC. Received Monday 16:30, answered Tuesday 09:20:
    # 30 + 20 business minutes, in target, though 17 hours passed.
    monday_1630 = 7.5 * 3600
    tuesday_0920 = 24 * 3600 + 20 * 60
    events = [arrived(monday_1630, "a", channel=channel), replied(tuesday_0920, "a", channel=channel),
              arrived(0, "b", channel=channel), replied(3601, "b", channel=channel)]  # fmt: skip
    rows = compute_rows(events, sla=sla)
    assert sum(r.first_responses for r in rows) == 2
    assert sum(r.first_responses_in_target for r in rows) == 1
    late_row = next(r for r in rows if r.interval_start == "2026-11-23T09:00:00Z")
    assert late_row.first_responses_in_target == 0


# --- additions to version 1, second set: self-service, direction, resolution -----------------


def test_a_self_served_contact_is_offered_and_left_out_of_the_agents_denominators() -> None:
    events = [arrived(0, "bot"), self_served(30, "bot", bot_id="faq"),
              arrived(0, "a"), answered(10, "a"), ended(200, "a"),
              arrived(0, "x"), abandoned(40, "x"), arrived(0, "s"), abandoned(2, "s")]  # fmt: skip
    row = one_row(events)
    assert (row["offered"], row["self_served"], row["answered"], row["abandoned"]) == (4, 1, 1, 2)
    agents = 4 - 1 - 1  # offered - short abandoned - self-served
    assert (row["answer_rate"], row["abandon_rate"], row["service_level"]) == (
        1 / agents,
        1 / agents,
        1 / agents,
    )
    assert row["self_service_rate"] == 0.25


def test_an_answer_wins_over_self_service_and_self_service_over_an_abandon() -> None:
    handed_over = one_row([arrived(0), self_served(20), answered(30)])  # the bot handed over
    assert (handed_over["self_served"], handed_over["answered"]) == (0, 1)
    closed = one_row([arrived(0), abandoned(20), self_served(30)])
    assert (closed["self_served"], closed["abandoned"], closed["short_abandoned"]) == (1, 0, 0)


def test_without_self_service_every_ratio_is_as_before() -> None:
    row = one_row([arrived(0, "a"), answered(10, "a"), arrived(0, "b"), abandoned(30, "b")])
    assert (row["self_served"], row["self_service_rate"], row["answer_rate"]) == (0, 0.0, 0.5)


def test_an_outbound_contact_counts_only_as_outbound_work() -> None:
    events = [arrived(0, "o", direction="outbound"), answered(0, "o"),
              ended(300, "o", talk_s=200, hold_s=10, wrap_s=30, resolved=True),
              survey(400, "o", csat=5), replied(5, "o")]  # fmt: skip
    row = one_row(events)
    assert (row["outbound_handled"], row["outbound_handle_s_sum"]) == (1, 240.0)
    inbound = ("offered", "answered", "handled", "fcr_success", "first_responses", "csat_responses",
               "resolved", "self_served", "abandoned")  # fmt: skip
    assert [row[c] for c in inbound] == [0] * len(inbound)
    assert one_row([arrived(0, "o", direction="inbound"), answered(5, "o")])["offered"] == 1


def test_outbound_contacts_never_decide_fcr() -> None:
    first = handled_contact("c1", 0, 600)
    callback = [arrived(900, "c2", "u1", direction="outbound"), answered(900, "c2"), ended(1200, "c2")]
    assert rows_by_start(first + callback)["2026-11-23T09:00:00Z"]["fcr_success"] == 1  # no repeat
    rows = rows_by_start(first + callback)
    assert rows["2026-11-23T09:15:00Z"]["fcr_success"] == 0  # and never a success itself


def test_a_self_served_arrival_is_a_repeat_contact() -> None:
    events = handled_contact("c1", 0, 600) + [arrived(3600, "c2", "u1"), self_served(3660, "c2")]
    assert rows_by_start(events)["2026-11-23T09:00:00Z"]["fcr_success"] == 0


def test_resolution_time_of_resolved_handled_contacts() -> None:
    events = [arrived(0, "r"), answered(10, "r"), ended(600, "r", resolved=True),
              arrived(0, "u"), answered(10, "u"), ended(900, "u", resolved=False)]  # fmt: skip
    row = one_row(events)
    assert (row["resolved"], row["resolution_s_sum"], row["avg_resolution_s"]) == (1, 600.0, 600.0)
    assert one_row([arrived(0)])["avg_resolution_s"] is None


def test_cost_per_contact_counts_outbound_work() -> None:
    sla = SlaSettings(SlaFile.model_validate({"defaults": {"hourly_cost": 36.0}}))
    events = [arrived(0, "i"), answered(5, "i"), ended(400, "i", talk_s=300, hold_s=0, wrap_s=60),
              arrived(0, "o", direction="outbound"), answered(0, "o"),
              ended(300, "o", talk_s=600, hold_s=0, wrap_s=120)]  # fmt: skip
    (row,) = compute_rows(events, sla=sla)
    assert row.cost_per_contact == pytest.approx((360 + 720) / 3600 * 36.0 / 2)
    assert row.aht_s == 360  # inbound only
