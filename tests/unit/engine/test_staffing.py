"""Erlang C against published results: the queueing textbook's closed forms, and the worked
examples contact centres learn it from."""

from __future__ import annotations

import math

import pytest

from streams.engine.staffing import erlang_c, required_agents, required_for, staffing


@pytest.mark.parametrize("traffic", [0.1, 0.5, 0.9])
def test_one_and_two_servers_match_the_closed_forms(traffic: float) -> None:
    """M/M/1 and M/M/2 (L. Kleinrock, Queueing Systems, vol. 1, 1975, ch. 3): with one server
    a contact waits with probability A; with two, A² / (2 + A)."""
    assert erlang_c(1, traffic) == pytest.approx(traffic)
    assert erlang_c(2, 2 * traffic) == pytest.approx((2 * traffic) ** 2 / (2 + 2 * traffic))


def test_the_textbook_formula_and_the_stable_recursion_agree() -> None:
    """C(N, A) = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)), written out."""
    for servers, traffic in [(11, 10.0), (30, 25.5), (55, 48.0), (120, 110.0)]:
        top = traffic**servers / math.factorial(servers) * servers / (servers - traffic)
        bottom = sum(traffic**k / math.factorial(k) for k in range(servers)) + top
        assert erlang_c(servers, traffic) == pytest.approx(top / bottom, rel=1e-12)


def test_the_call_centre_helper_worked_example() -> None:
    """Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example"
    (callcentrehelper.com): 100 calls in 30 minutes, 180 s handling, 80 % answered in 20 s.
    Traffic 10 Erlangs; with 11 agents a call waits with probability 68.21 %; 14 agents reach
    the target before shrinkage."""
    eleven = staffing(11, 100, 180, 20, interval_s=1800)
    assert eleven.traffic == pytest.approx(10)
    assert round(eleven.wait_probability, 4) == 0.6821
    assert eleven.asa_s == pytest.approx(0.6821 * 180 / 1, rel=1e-3)  # P(wait) × AHT / (N − A)
    need = required_agents(100, 180, 20, 0.8, interval_s=1800)
    assert need.agents == 14 and need.service_level >= 0.8
    assert staffing(13, 100, 180, 20, interval_s=1800).service_level < 0.8


def test_the_westbay_mitan_worked_example() -> None:
    """ "The Erlang-C formula", Mitan Ltd / Westbay Engineers (www.mitan.co.uk/erlang/elgcmath.htm):
    360 calls per half hour, 4 minutes average duration, 55 agents, 15 s target answer time.
    Traffic 48 Erlangs, occupancy 0.873, probability of waiting 0.2387 (23.87 %), average speed
    of answer 8.2 s, 84.6 % of calls answered within 15 s."""
    s = staffing(55, 360, 240, 15, interval_s=1800)
    assert s.traffic == 48 and round(s.occupancy, 3) == 0.873
    assert round(s.wait_probability, 4) == 0.2387
    assert round(s.asa_s, 1) == 8.2 and round(s.service_level, 3) == 0.846


def test_rows_need_none_without_contacts_nothing_without_a_handling_time_and_ceil_for_email() -> None:
    """kpis.md, "Staffing (Erlang C)": 0 where offered is 0, null where no AHT is known, email
    ceil(A), chat traffic divided by the concurrency."""
    assert required_for("call", 0, None, 20, 0.8, 900, 3) == (0.0, 0)
    assert required_for("call", 5, None, 20, 0.8, 900, 3) == (None, None)
    assert required_for("email", 10, 450, 3600, 0.8, 900, 3) == (5.0, 5)
    assert required_for("email", 11, 450, 3600, 0.8, 900, 3) == (5.5, 6)
    for channel in ("messaging", "social", "form"):  # every asynchronous channel: ceil(A)
        assert required_for(channel, 11, 450, 900, 0.8, 900, 3) == (5.5, 6)
    traffic, agents = required_for("chat", 60, 450, 30, 0.8, 900, 3)
    assert traffic == 10 and agents == required_agents(20, 450, 30, 0.8).agents
    assert (
        required_for("call", 100, 180, 20, 1.0, 1800, 1)[1]
        == required_agents(100, 180, 20, 0.9999, 1800).agents
    )


def test_more_agents_never_serve_worse_and_chat_concurrency_needs_fewer() -> None:
    levels = [staffing(n, 400, 300, 20).service_level for n in range(134, 160)]
    assert levels == sorted(levels)
    calls = required_agents(400, 300, 20, 0.8)
    chats = required_agents(400, 300, 20, 0.8, concurrency=3)
    assert chats.agents < calls.agents and chats.service_level >= 0.8
    assert staffing(chats.agents - 1, 400, 300, 20, concurrency=3).service_level < 0.8  # the fewest
    assert required_agents(0, 300, 20, 0.8).agents == 0
    with pytest.raises(ValueError, match="target"):
        required_agents(10, 300, 20, 80)
