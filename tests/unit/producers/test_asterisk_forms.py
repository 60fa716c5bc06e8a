"""Asterisk queue_log as Asterisk 13, 16, 18 and 20 write it (every form app_queue.c and logger.c
write, read on those branches), with FreePBX-style uniqueids, Local/ and PJSIP members and a PBX
restart: each defect found with real-shaped logs, worked out by hand, and the rows the same in
any order of the bridge's output."""

from __future__ import annotations

import random
from typing import Any

import orjson
import pytest

from producers.bridges.asterisk import RESTART_REASON, AsteriskBridge
from producers.bridges.queue_map import QueueMap, QueueTarget
from schemas.events import Rejection
from schemas.sla import SlaSettings
from schemas.wire import parse_event
from streams.batch.compute import LineTally, compute_rows, read_events
from streams.batch.grain_rows import grain_rows

T = 1_741_595_400  # 2025-03-10T08:30:00Z, an interval boundary
ACME = QueueMap(
    queues={
        "400": QueueTarget(client="acme", queue="support"),
        "401": QueueTarget(client="acme", queue="sales"),
    },
    default_client=None,
)


WITH_CAROL = ACME.model_copy(update={"agents": {"Carol": ["PJSIP/2003"]}})  # Carol is PJSIP/2003


def convert(lines: list[str], queues: QueueMap = ACME) -> tuple[AsteriskBridge, list[dict[str, Any]]]:
    bridge = AsteriskBridge(queues)
    events = list(bridge.convert_all(enumerate(lines, start=1)))
    for event in events:
        assert not isinstance(parse_event(orjson.dumps(event)), Rejection), event
    return bridge, events


def kpi(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    rows = compute_rows(read_events([orjson.dumps(e) for e in events], LineTally()))
    return {r.queue: r.model_dump() for r in rows}


def agents(events: list[dict[str, Any]]) -> dict[tuple[str, str], float]:
    """Staffed seconds per (queue, agent) over the whole log."""
    rows = grain_rows(read_events([orjson.dumps(e) for e in events], LineTally()), SlaSettings(), "agents")
    found: dict[tuple[str, str], float] = {}
    for row in rows:
        key = (row.queue, row.agent_id)  # type: ignore[union-attr]
        found[key] = found.get(key, 0.0) + row.staffed_s  # type: ignore[union-attr]
    return found


def call(
    uid: str,
    t: int,
    member: str,
    wait: int,
    talk: int,
    queue: str = "400",
    caller: str = "0791234567",
    end: str = "COMPLETECALLER",
) -> list[str]:
    """A call as 16 to 20 log it: entered, connected after ``wait`` s, completed after ``talk`` s."""
    return [
        f"{t}|{uid}|{queue}|NONE|ENTERQUEUE||{caller}|1",
        f"{t + wait}|{uid}|{queue}|{member}|CONNECT|{wait}|{uid}1|3",
        f"{t + wait + talk}|{uid}|{queue}|{member}|{end}|{wait}|{talk}|1",
    ]


# -- 2. every form of the transfers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("transfer", "to", "talk"),
    [
        # 12+ (log_attended_transfer): BRIDGE|bridge id, APP|application, LINK|Local;1|Local;2.
        ("ATTENDEDTRANSFER|BRIDGE|0a3d1b27-0e2e-4c1b-9a6a-5b1f0e2d3c4b|7|150|1", "bridge", 150),
        ("ATTENDEDTRANSFER|APP|VoiceMail|7|150|1", "VoiceMail", 150),
        (
            "ATTENDEDTRANSFER|LINK|PJSIP/2003-0000002a|Local/2050@from-internal-00000011;1|7|150|1",
            "2050@from-internal",
            150,
        ),
        (
            "ATTENDEDTRANSFER|LINK|Local/2050@from-internal-00000011;1|Local/2050@from-internal-00000011;2|7|150|1",
            "2050@from-internal",
            150,
        ),
        # 12+ BLINDTRANSFER, and 11's TRANSFER: extension|context|holdtime|calltime|origposition.
        ("BLINDTRANSFER|2000|from-internal|7|150|1", "2000@from-internal", 150),
        ("TRANSFER|2000|from-internal|7|150|1", "2000@from-internal", 150),
        ("TRANSFER|2000|from-internal|7|150", "2000@from-internal", 150),  # 1.x: no origposition
    ],
)
def test_a_transfer_takes_the_call_time_from_its_own_form(transfer: str, to: str, talk: int) -> None:
    _, events = convert(
        [
            f"{T}|1741595774.111|400|NONE|ENTERQUEUE||0791234567|1",
            f"{T + 7}|1741595774.111|400|Carol|CONNECT|7|1741595781.114|3",
            f"{T + 157}|1741595774.111|400|Carol|{transfer}",
        ]
    )
    ended = next(e for e in events if e["type"] == "contact.ended")
    moved = next(e for e in events if e["type"] == "contact.transferred")
    assert (ended["talk_s"], ended["resolved"], moved["to_queue"]) == (talk, False, to)


def test_an_attended_transfer_of_an_unknown_method_is_reported() -> None:
    bridge, events = convert([f"{T}|1.1|400|Carol|ATTENDEDTRANSFER|THREEWAY|x|7|150|1"])
    assert events == [] and "method 'THREEWAY'" in bridge.account.unreadable[0].reason


@pytest.mark.parametrize(
    ("line", "kinds"),
    [
        # Leaving unanswered: position|origposition|waittime (13.4+; 13.3 and 11 wrote one field).
        ("ABANDON|2|1|40", {"contact.abandoned"}),
        ("EXITWITHTIMEOUT|1|1|60", {"contact.abandoned"}),
        ("EXITWITHTIMEOUT|1", {"contact.abandoned"}),
        ("EXITEMPTY|1|1|2", {"contact.abandoned"}),
        ("EXITWITHKEY|5|1|1|30", {"contact.abandoned"}),
        ("WITHDRAW|1|1|12|callback", {"contact.abandoned"}),
        ("WITHDRAW|1|1|12|", {"contact.abandoned"}),
        ("SYSCOMPAT|", {"contact.abandoned"}),
        # Members not taking the call; the agent dumped the announcement: the call waits on.
        ("RINGNOANSWER|15000", {"agent.state"}),
        ("RINGCANCELED|3100", {"agent.state"}),
        ("AGENTDUMP|", set()),
        # 20.14+ writes the caller's name after the position when log-caller-id-name is set.
        ("COMPLETEAGENT|12|180|1", {"contact.ended", "agent.state"}),
        ("COMPLETECALLER|12|180|1", {"contact.ended", "agent.state"}),
    ],
)
def test_every_form_of_the_call_lines(line: str, kinds: set[str]) -> None:
    member = "Carol" if line.split("|")[0] not in ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY") else "NONE"
    bridge, events = convert(
        [f"{T}|1.5|400|NONE|ENTERQUEUE||0791234567|1|Jane Doe", f"{T + 30}|1.5|400|{member}|{line}"]
    )
    assert events[0]["type"] == "contact.arrived" and events[0]["customer_id"] == "0791234567"
    assert {e["type"] for e in events[1:]} == kinds
    assert bridge.account.unreadable == []


# -- 3. withheld caller ids ----------------------------------------------------------------------


def test_each_withheld_caller_is_a_customer_of_its_own() -> None:
    # Ten calls, all answered and resolved (the map says so): four `anonymous`, two `Restricted`,
    # one of every other form, and two from one real number 3 hours apart (a repeat: its first
    # call fails FCR). By hand: 10 handled, 9 first-contact resolutions: 90 %.
    withheld = ["anonymous", "anonymous", "Anonymous", "ANONYMOUS", "Restricted", "RESTRICTED", "", "Private"]
    lines = []
    for n, caller in enumerate(withheld):
        lines += call(f"1741595774.{n}", T + 60 * n, "Carol", 5, 30, caller=caller)
    lines += call("1741595774.90", T + 600, "Carol", 5, 30, caller="0791234567")
    lines += call("1741595774.91", T + 600 + 3 * 3600, "Carol", 5, 30, caller="0791234567")
    _, events = convert(lines)
    customers = [e["customer_id"] for e in events if e["type"] == "contact.arrived"]
    assert len(set(customers[:8])) == 8 and customers[8] == customers[9] == "0791234567"
    rows = compute_rows(read_events([orjson.dumps(e) for e in events], LineTally()))
    assert sum(r.handled for r in rows) == 10 and sum(r.fcr_success for r in rows) == 9


def test_the_map_adds_the_pbx_own_withheld_values() -> None:
    queues = ACME.model_copy(update={"withheld_callers": ["0000000000", "Unknown Caller"]})
    _, events = convert(
        call("1.1", T, "Carol", 5, 30, caller="0000000000")
        + call("1.2", T + 60, "Carol", 5, 30, caller="unknown caller"),
        queues,
    )
    customers = [e["customer_id"] for e in events if e["type"] == "contact.arrived"]
    assert customers == ["anonymous:1.1", "anonymous:1.2"]


# -- 5 and 6. agents: lines of no queue, one identity, a state in every queue ---------------------


def test_lines_of_no_queue_go_to_the_agents_queues_and_are_never_errors() -> None:
    # default_client: null, and AGENTLOGIN/PAUSEALL/UNPAUSEALL/AGENTLOGOFF on queue NONE.
    bridge, events = convert(
        [
            f"{T}|1741595000.1|NONE|1001|AGENTLOGIN|PJSIP/1001-00000003",
            f"{T + 60}|1741595774.5|400|Agent/1001|RINGNOANSWER|15000",  # Agent/1001: a member of 400
            f"{T + 120}|NONE|NONE|Agent/1001|PAUSEALL|lunch",
            f"{T + 120}|NONE|400|Agent/1001|PAUSE|lunch",
            f"{T + 420}|NONE|NONE|Agent/1001|UNPAUSEALL|",
            f"{T + 420}|NONE|400|Agent/1001|UNPAUSE|",
            f"{T + 900}|1741595000.1|NONE|1001|AGENTLOGOFF|PJSIP/1001-00000003|900",
        ]
    )
    assert bridge.account.unreadable == []
    states = [(e["occurred_at"][11:23], e["queue"], e["agent_id"], e["state"]) for e in events]
    assert states == [
        ("08:31:00.000", "support", "1001", "available"),
        ("08:32:00.000", "support", "1001", "away"),
        ("08:37:00.000", "support", "1001", "available"),
        ("08:45:00.000", "support", "1001", "offline"),
    ]


def test_one_person_is_one_agent_with_a_state_in_every_queue() -> None:
    # Carol is PJSIP/2003 (ADDMEMBER, REMOVEMEMBER) and Carol (PAUSE, CONNECT): the map says so.
    # She is in 400 and 401; Dave (PJSIP/2004, no name: his interface) in 400 only; agent 1001
    # (AGENTLOGIN names it with its phone, its queue lines say Agent/1001) in 401.
    queues = WITH_CAROL
    lines = [
        f"{T}|MANAGER|400|PJSIP/2003|ADDMEMBER|",
        f"{T}|MANAGER|401|PJSIP/2003|ADDMEMBER|",
        f"{T}|MANAGER|400|PJSIP/2004|ADDMEMBER|",
        f"{T}|1741595000.1|NONE|1001|AGENTLOGIN|PJSIP/1001-00000003",
        f"{T + 1}|1741595774.5|401|Agent/1001|RINGNOANSWER|15000",
        *call("1741595774.111", T + 100, "Carol", 10, 200),  # 400: Carol busy 110..310 in both queues
        *call("1741595774.112", T + 300, "Agent/1001", 20, 100, queue="401"),
        f"{T + 600}|NONE|401|Carol|PAUSE|break",
        f"{T + 900}|MANAGER|400|PJSIP/2003|REMOVEMEMBER|",  # out of 400; still in 401, away
        f"{T + 1800}|9.9|401|NONE|ENTERQUEUE||0791234567|1",  # the client's latest event time
    ]
    _, events = convert(lines, queues)
    staffed = agents(events)
    assert {agent for _, agent in staffed} == {"Carol", "PJSIP/2004", "1001"}
    # Carol: 400 from T to T+900 (available, busy, available); 401 from T to T+1800 (then away).
    assert staffed[("support", "Carol")] == 900 and staffed[("sales", "Carol")] == 1800
    assert staffed[("support", "PJSIP/2004")] == 1800  # available, never called
    assert staffed[("sales", "1001")] == 1800 - 1 and ("support", "1001") not in staffed
    rows = grain_rows(read_events([orjson.dumps(e) for e in events], LineTally()), SlaSettings(), "agents")
    busy = {(r.queue, r.agent_id): r.busy_s for r in rows if r.busy_s}  # type: ignore[union-attr]
    assert busy == {("support", "Carol"): 200, ("sales", "Carol"): 200, ("sales", "1001"): 100}
    away = sum(r.away_s for r in rows if r.agent_id == "Carol")  # type: ignore[union-attr]
    assert away == 1200  # paused in 401 from T+600 to T+1800


def test_an_overflowed_call_leaves_the_agent_in_its_own_queue_only() -> None:
    lines = [
        f"{T}|MANAGER|401|Agent/1001|ADDMEMBER|",
        f"{T + 10}|1.1|400|NONE|ENTERQUEUE||0791234567|1",
        f"{T + 70}|1.1|400|NONE|EXITWITHTIMEOUT|1|1|60",
        f"{T + 71}|1.1|401|NONE|ENTERQUEUE||0791234567|1",
        f"{T + 80}|1.1|401|Agent/1001|CONNECT|9|1.11|2",
        f"{T + 200}|1.1|401|Agent/1001|COMPLETEAGENT|9|120|1",
    ]
    _, events = convert(lines)
    assert {e["queue"] for e in events if e["type"] == "agent.state"} == {"sales"}
    assert {e["queue"] for e in events if e.get("contact_id") == "1.1"} == {"support"}  # its first queue


# -- 8. a PBX restart ---------------------------------------------------------------------------


def test_a_restart_closes_the_calls_it_cut_off() -> None:
    lines = [
        *call("1741595774.1", T, "Carol", 10, 60),
        f"{T + 100}|1741595774.2|400|NONE|ENTERQUEUE||0791111111|1",  # waiting when Asterisk died
        f"{T + 110}|1741595774.3|400|NONE|ENTERQUEUE||0792222222|2",
        f"{T + 120}|1741595774.3|400|Carol|CONNECT|10|1741595774.31|1",  # talking when it died
        f"{T + 400}|NONE|NONE|NONE|QUEUESTART|",
        f"{T + 410}|1741595990.0|400|NONE|ENTERQUEUE||0793333333|1",  # new uniqueids after the start
    ]
    _, events = convert(lines)
    waiting = [e for e in events if e.get("contact_id") == "1741595774.2"]
    assert [(e["type"], e["occurred_at"][11:19]) for e in waiting] == [
        ("contact.arrived", "08:31:40"),
        ("contact.abandoned", "08:36:40"),
    ]
    cut = next(e for e in events if e.get("contact_id") == "1741595774.3" and e["type"] == "contact.ended")
    assert (cut["talk_s"], cut["resolved"], cut["reason"]) == (280, False, RESTART_REASON)
    row = kpi(events)["support"]
    assert (row["offered"], row["answered"], row["abandoned"], row["handled"]) == (4, 2, 1, 2)


def test_a_restart_with_nothing_open_is_only_counted() -> None:
    bridge, events = convert([*call("1.1", T, "Carol", 10, 60), f"{T + 400}|NONE|NONE|NONE|QUEUESTART|"])
    assert bridge.account.ignored["QUEUESTART"] == 1 and len(events) == 5


# -- real-world quirks ---------------------------------------------------------------------------


def test_the_end_of_a_call_under_its_new_uniqueid_is_the_members_call() -> None:
    # A Local channel optimised away: COMPLETECALLER comes under the caller's new uniqueid.
    _, events = convert(
        [
            f"{T}|1741595774.111|400|NONE|ENTERQUEUE||0791234567|1",
            f"{T + 7}|1741595774.111|400|Carol|CONNECT|7|1741595781.114|3",
            f"{T + 157}|1741595774.140|400|Carol|COMPLETECALLER|7|150|1",
        ]
    )
    ended = next(e for e in events if e["type"] == "contact.ended")
    assert ended["contact_id"] == "1741595774.111" and kpi(events)["support"]["handled"] == 1


def test_a_queue_logged_in_another_case_is_the_same_queue() -> None:
    queues = QueueMap(queues={"Support": QueueTarget(client="acme")}, default_client=None)
    _, events = convert(
        [
            f"{T}|1.1|support|NONE|ENTERQUEUE||0791234567|1",  # as the dialplan wrote it
            f"{T + 7}|1.1|Support|Carol|CONNECT|7|1.11|3",  # as configured
            f"{T + 157}|1.1|Support|Carol|COMPLETECALLER|7|150|1",
        ],
        queues,
    )
    assert {(e["client"], e["queue"]) for e in events} == {("acme", "support")}
    assert not [e for e in events if e["type"] == "contact.transferred"]


# -- every fixture: the same rows in any order of the bridge's output -----------------------------


def test_any_order_of_the_output_gives_the_same_rows() -> None:
    queues = WITH_CAROL
    lines = [f"{T}|MANAGER|400|PJSIP/2003|ADDMEMBER|", f"{T}|MANAGER|401|PJSIP/2003|ADDMEMBER|"]
    rng = random.Random(5)
    for n in range(40):
        t = T + 90 * n
        lines += call(
            f"17415957{n:02d}.1",
            t,
            "Carol",
            rng.randint(1, 40),
            rng.randint(20, 80),
            queue=rng.choice(["400", "401"]),
            caller=rng.choice(["", "anonymous", "0791234567"]),
        )
        if n % 7 == 0:
            lines += [f"{t + 85}|NONE|401|Carol|PAUSE|x", f"{t + 85}|NONE|401|Carol|UNPAUSE|"]  # one second
    lines.sort(key=lambda line: int(line.split("|")[0]))
    _, events = convert(lines, queues)
    want = (kpi(events), agents(events))
    for seed in range(5):
        shuffled = list(events)
        random.Random(seed).shuffle(shuffled)
        assert (kpi(shuffled), agents(shuffled)) == want


def test_what_is_kept_with_the_position_resumes_as_if_never_stopped() -> None:
    queues = WITH_CAROL
    lines = [
        f"{T}|MANAGER|400|PJSIP/2003|ADDMEMBER|",
        *call("1.1", T + 10, "Carol", 5, 60),
        f"{T + 100}|2.1|400|NONE|ENTERQUEUE||0791234567|1",
        f"{T + 110}|2.1|400|Carol|CONNECT|10|2.11|1",
        f"{T + 170}|2.1|401|NONE|ENTERQUEUE||0791234567|1",
        f"{T + 200}|2.1|400|Carol|COMPLETEAGENT|10|90|1",
    ]
    _, whole = convert(lines, queues)
    first = AsteriskBridge(queues)
    events = list(first.convert_all(enumerate(lines[:6], start=1)))
    memory = orjson.loads(orjson.dumps(first.memory()))  # as saved in the position file
    second = AsteriskBridge(queues)
    second.recall(memory)
    events += list(second.convert_all(enumerate(lines[6:], start=7)))
    assert events == whole
