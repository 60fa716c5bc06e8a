"""The centre's own calls in queue_log, as each convention writes them (fixture lines of the
research report, per convention and Asterisk version): Asterisk 15+'s ``QueueUpdate()``
(``OUTCALL``), QueueMetrics' outbound dialplan (``CALLOUTBOUND``), its older form that Asternic
ships (``ENTERQUEUE`` naming the agent), VICIdial's rows, and a dialer's calls in a real queue
(only the map tells); each becomes a ``direction: outbound`` contact, and inbound calls stay as
they were."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from producers.bridges.asterisk import AsteriskBridge
from producers.bridges.queue_map import QueueMap, QueueTarget
from schemas.events import Rejection
from schemas.sla import SlaSettings
from schemas.wire import parse_event
from streams.batch.compute import LineTally, compute_rows, read_events
from streams.batch.grain_rows import grain_rows

Event = dict[str, Any]
T = 1_741_595_400  # 2025-03-10T08:30:00Z, an interval boundary
MAP = QueueMap(default_client="acme", queues={"q-300": QueueTarget(client="acme", queue="collections")})

# A. QueueUpdate(telesales,${UNIQUEID},Carol,${DIALSTATUS},${ANSWEREDTIME},${DIALEDTIME}|${DIALEDNUMBER})
# in the h extension (Asterisk 16, 18, 20, 21, 22, 23: one code path); the 4th without params.
OUTCALLS = [
    "1741595447|1741595400.31|telesales|Carol|OUTCALL|ANSWER|38|47|0041791234567",
    "1741595492|1741595462.35|telesales|Carol|OUTCALL|NOANSWER|||0041797654321",
    "1741595530|1741595521.36|telesales|Carol|OUTCALL|BUSY|||0041790000000",
    "1741595600|1741595560.40|telesales|PJSIP/2003|OUTCALL|ANSWER|25|(null)",
    "1741595700|1741595640.41|telesales|carol|OUTCALL|CHANUNAVAIL|||0041791112233",
]
# B. QueueMetrics' [qm-queuedial] (2009-02 on): agent 101 dials 300 + the number.
QUEUEMETRICS = [
    "1741595400|1741595400.40|q-300|Agent/101|CALLOUTBOUND||0041791234567|",
    "1741595407|1741595400.40|q-300|Agent/101|CONNECT|7||",
    "1741595527|1741595400.40|q-300|Agent/101|COMPLETEAGENT|7|120|",
    "1741595600|1741595600.44|q-300|Agent/101|CALLOUTBOUND||0041797654321|",
    "1741595630|1741595600.44|q-300|Agent/101|ABANDON|1|1|30",
]
# C. The older QueueMetrics dialplan, as Asternic ships it (queue = accountcode, agent = display name).
ASTERNIC = [
    "1741595400|1741595400.50|ventas|John Smith|ENTERQUEUE|-|0041791234567|",
    "1741595409|1741595400.50|ventas|John Smith|CONNECT|9||",
    "1741595499|1741595400.50|ventas|John Smith|COMPLETECALLER|9|90|",
    "1741595600|1741595600.52|ventas|John Smith|ENTERQUEUE|-|0041797654321|",
    "1741595625|1741595600.52|ventas|John Smith|ABANDON|1|1|25",
]
# D. VICIdial (2009-11 on) rows of QueueMetrics' table, exported in queue_log's form: a manual
# dial, then two auto-dials, one answered and one dropped.
VICIDIAL = [
    "1741595400|M3100830000000012345|TELESALES|NONE|CALLOUTBOUND||0041791234567||",
    "1741595400|M3100830000000012345|TELESALES|Agent/6666|CONNECT|0|||",
    "1741595517|M3100830000000012345|TELESALES|Agent/6666|COMPLETEAGENT|0|117|1|",
    "1741595523|M3100830000000012345|TELESALES|Agent/6666|CALLSTATUS|SALE|||",
    "1741595600|V3100833000000012346|TELESALES|NONE|CALLOUTBOUND||0041797654321||",
    "1741595601|V3100833000000012346|TELESALES|Agent/6666|CONNECT|1|||",
    "1741595661|V3100833000000012346|TELESALES|Agent/6666|COMPLETECALLER|1|60|1|",
    "1741595700|V3100833000000012347|TELESALES|NONE|CALLOUTBOUND||0041790000000||",
    "1741595705|V3100833000000012347|TELESALES|NONE|EXITWITHTIMEOUT|1|||",
    "1741595705|V3100833000000012347|TELESALES|NONE|CALLSTATUS|DROP|||",
]
# D, before 2009-11: the campaign's outbound calls were ENTERQUEUE (docs/QUEUEMETRICS.txt's rows);
# the last is an in-group's inbound call.
VICIDIAL_2009 = [
    "1243280614|V0525154325000035377|TESTCAMP|NONE|ENTERQUEUE||9998888112||",
    "1243280614|V0525154325000035377|TESTCAMP|Agent/6666|CONNECT|0|||",
    "1243280631|V0525154325000035377|TESTCAMP|Agent/6666|COMPLETEAGENT|0|17|1|",
    "1243280626|Y0525154346000213841|TEST_IN|NONE|ENTERQUEUE||9999000016||",
]
# E. A dialer (Issabel CallCenter, WombatDialer) sends answered calls into queue 8001 under the
# campaign's number: Asterisk 13 to 20, then 20.14+ with log-caller-id-name.
DIALER = [
    "1741595400|1741595392.60|8001|NONE|ENTERQUEUE||0215550100|1",
    "1741595402|1741595392.60|8001|Agent/1001|CONNECT|2|1741595400.61|1",
    "1741595462|1741595392.60|8001|Agent/1001|COMPLETEAGENT|2|60|1",
    "1741595500|1741595492.70|8001|NONE|ENTERQUEUE||0215550100|1|ACME Telesales",
    "1741595503|1741595492.70|8001|PJSIP/2003|CONNECT|3|1741595500.71|2",
    "1741595593|1741595492.70|8001|PJSIP/2003|COMPLETECALLER|3|90|1",
]
# What stays inbound: FreePBX's DID line, a queued call, and a custom AMI QueueLog line.
INBOUND = [
    "1741595800|1741595800.80|400|NONE|DID|0215551234",
    "1741595800|1741595800.80|400|NONE|ENTERQUEUE||0041791234567|1",
    "1741595810|1741595800.80|400|PJSIP/2003|CONNECT|10|1741595800.81|4",
    "1741595900|1741595800.80|400|PJSIP/2003|COMPLETEAGENT|10|90|1",
    "1741595950|NONE|400||WENTONBREAK|600",
]


def convert(
    lines: list[str], queues: QueueMap = MAP, salt: str | None = None
) -> tuple[AsteriskBridge, list[Event]]:
    bridge = AsteriskBridge(queues, salt=salt)
    events = list(bridge.convert_all(enumerate(lines, start=1)))
    for event in events:
        assert not isinstance(parse_event(orjson.dumps(event)), Rejection), event
    return bridge, events


def told(event: Event) -> tuple[Any, ...]:
    """An event as the tests state it: its type, its time of day and what it says."""
    kind, at = event["type"], event["occurred_at"][11:19]
    if kind == "contact.arrived":
        return kind, at, event.get("direction", "inbound"), event["customer_id"]
    if kind == "contact.ended":
        return kind, at, event["agent_id"], event["talk_s"]
    if kind in ("contact.answered", "agent.state"):
        return kind, at, event["agent_id"], *([event["state"]] if kind == "agent.state" else [])
    return kind, at


def calls(events: list[Event]) -> dict[str, list[tuple[Any, ...]]]:
    found: dict[str, list[tuple[Any, ...]]] = {}
    for event in events:
        if "contact_id" in event:
            found.setdefault(event["contact_id"], []).append(told(event))
    return found


def kpi(events: list[Event]) -> dict[str, tuple[int, ...]]:
    """Per queue: offered, answered, abandoned, handled, outbound handled and its seconds."""
    rows: dict[str, tuple[int, ...]] = {}
    for r in compute_rows(read_events([orjson.dumps(e) for e in events], LineTally())):
        was = rows.get(r.queue, (0,) * 6)
        now = (r.offered, r.answered, r.abandoned, r.handled, r.outbound_handled, r.outbound_handle_s_sum)
        rows[r.queue] = tuple(int(a + b) for a, b in zip(was, now, strict=True))
    return rows


# -- A. OUTCALL: one line, one whole call --------------------------------------------------------


def test_an_outcall_line_is_a_whole_outbound_call() -> None:
    bridge, events = convert(OUTCALLS)
    assert calls(events) == {
        "1741595400.31": [("contact.arrived", "08:30:00", "outbound", "0041791234567"),  # 47 s dialled
                          ("contact.ended", "08:30:47", "Carol", 38)],
        "1741595462.35": [("contact.arrived", "08:31:32", "outbound", "0041797654321"),  # no dialled time
                          ("contact.abandoned", "08:31:32")],
        "1741595521.36": [("contact.arrived", "08:32:10", "outbound", "0041790000000"),
                          ("contact.abandoned", "08:32:10")],
        "1741595560.40": [("contact.arrived", "08:32:55", "outbound", "anonymous:1741595560.40"),  # 25 s talk
                          ("contact.ended", "08:33:20", "PJSIP/2003", 25)],
        "1741595640.41": [("contact.arrived", "08:35:00", "outbound", "0041791112233"),
                          ("contact.abandoned", "08:35:00")],
    }  # fmt: skip
    assert not [e for e in events if e["type"] == "agent.state"]  # the log told no live state
    assert bridge.account.ignored == {} and bridge.account.unreadable == []
    assert kpi(events) == {"telesales": (0, 0, 0, 0, 2, 38 + 25)}  # unanswered attempts count nowhere
    rows = grain_rows(read_events([orjson.dumps(e) for e in events], LineTally()), SlaSettings(), "agents")
    worked = {r.agent_id: r.handled for r in rows if r.handled}  # type: ignore[union-attr]
    assert worked == {"Carol": 1, "PJSIP/2003": 1}  # work is work


L = T + 100  # 08:31:40, the line's time in the forms below
ANON = "anonymous:1741595400.9"


@pytest.mark.parametrize(
    ("data", "arrived", "customer", "end"),
    [
        ("ANSWER|38|47|0041791234567", "08:30:53", "0041791234567", 38),
        # The dialplan's arguments keep their spaces; the status in any case.
        (" answer | 38 |47 | 0041791234567 ", "08:30:53", "0041791234567", 38),
        # No params: glibc's (null). No dialled time: the talk time is the least the call lasted.
        ("ANSWER|38|(null)", "08:31:02", ANON, 38),
        ("ANSWER|(null)|(null)|(null)", "08:31:40", ANON, 0),
        ("ANSWER|38|the site's|0041791234567", "08:31:02", "0041791234567", 38),
        # Params of the number alone, or a "dialled time" shorter than the talk: not a dialled time.
        ("ANSWER|38|0215550100", "08:31:02", ANON, 38),
        ("ANSWER|38|5551234|x", "08:31:02", "x", 38),
        ("ANSWER|38|20|0041791234567", "08:31:02", "0041791234567", 38),
        # Unanswered: app_dial leaves both times empty; a withheld number is a customer of its own.
        ("NOANSWER|||anonymous", "08:31:40", ANON, None),
        ("CANCEL|||Restricted", "08:31:40", ANON, None),
        ("CONGESTION|(null)|(null)|(null)", "08:31:40", ANON, None),
    ],
)
def test_every_form_of_an_outcall_line(data: str, arrived: str, customer: str, end: int | None) -> None:
    bridge, events = convert([f"{L}| 1741595400.9 |telesales|Carol|OUTCALL|{data}"])  # the uniqueid too
    ending = ("contact.abandoned", "08:31:40") if end is None else ("contact.ended", "08:31:40", "Carol", end)
    assert calls(events) == {"1741595400.9": [("contact.arrived", arrived, "outbound", customer), ending]}
    assert bridge.account.unreadable == []


def test_an_outcall_that_cannot_be_read_is_reported() -> None:
    strict = MAP.model_copy(
        update={"default_client": None, "queues": {"telesales": QueueTarget(client="acme")}}
    )
    bridge, events = convert(
        [
            f"{L}|1.1|telesales|Carol|OUTCALL|ANSWER|38s|47|0041791234567",
            f"{L}|1.2|sales|Carol|OUTCALL|BUSY|||1",
        ],
        strict,
    )
    assert events == []
    assert [(u.number, u.reason) for u in bridge.account.unreadable] == [
        (1, "OUTCALL: data2 (talk time) is not a number"),
        (2, "queue 'sales' is not in the queue map (and it has no default_client)"),
    ]


def test_an_outcall_number_is_hashed_as_a_caller_is() -> None:
    hashed = MAP.model_copy(update={"hash_callers": True})
    lines = [OUTCALLS[0], "1741595900|1741595900.90|400|NONE|ENTERQUEUE||0041791234567|1"]  # calls back
    _, events = convert(lines, hashed, salt="s3cret-salt")
    assert b"0041791234567" not in b"".join(orjson.dumps(e) for e in events)
    outbound, inbound = (e for e in events if e["type"] == "contact.arrived")
    assert outbound["direction"] == "outbound" and "direction" not in inbound
    assert outbound["customer_id"] == inbound["customer_id"] != "0041791234567"  # one person


def test_the_outcall_agent_is_the_member_it_names_in_any_case() -> None:
    # QueueUpdate() logs the agent as the dialplan passed it and finds the member ignoring case.
    queues = MAP.model_copy(update={"agents": {"Carol": ["PJSIP/2003"]}})
    lines = [
        f"{T}|MANAGER|telesales|PJSIP/2003|ADDMEMBER|",
        f"{T}|MANAGER|telesales|PJSIP/2004|ADDMEMBER|",
        "1741595447|1741595400.31|telesales|carol|OUTCALL|ANSWER|38|47|0041791234567",
        "1741595500|1741595460.32|telesales|PJSIP/2003|OUTCALL|ANSWER|30|40|0041791234567",
        "1741595600|1741595560.33|telesales|pjsip/2004|OUTCALL|ANSWER|30|40|0041791234567",
        "1741595700|1741595660.34|telesales|Dave|OUTCALL|ANSWER|30|40|0041791234567",
    ]
    _, events = convert(lines, queues)
    ended = [e["agent_id"] for e in events if e["type"] == "contact.ended"]
    assert ended == ["Carol", "Carol", "PJSIP/2004", "Dave"]


# -- B, C, D: an outbound arrival, then the call's lines as any call's ----------------------------


def test_a_queuemetrics_calloutbound_call_is_outbound() -> None:
    agent_page = "1741595700|1741595700.46|outbound-sales|Agent/101|CALLOUTBOUND||0041791234567|"
    bridge, events = convert([*QUEUEMETRICS, agent_page])
    assert calls(events) == {
        "1741595400.40": [("contact.arrived", "08:30:00", "outbound", "0041791234567"),
                          ("contact.answered", "08:30:07", "101"),
                          ("contact.ended", "08:32:07", "101", 120)],
        "1741595600.44": [("contact.arrived", "08:33:20", "outbound", "0041797654321"),
                          ("contact.abandoned", "08:33:50")],
        "1741595700.46": [("contact.arrived", "08:35:00", "outbound", "0041791234567")],
    }  # fmt: skip
    states = [told(e) for e in events if e["type"] == "agent.state"]
    assert states == [
        ("agent.state", "08:30:07", "101", "busy"),
        ("agent.state", "08:32:07", "101", "available"),
    ]
    assert kpi(events) == {"collections": (0, 0, 0, 0, 1, 120)}
    assert bridge.account.ignored == {}


def test_an_enterqueue_naming_its_agent_is_outbound_unless_the_map_says_not() -> None:
    _, events = convert(ASTERNIC)
    assert calls(events) == {
        "1741595400.50": [("contact.arrived", "08:30:00", "outbound", "0041791234567"),
                          ("contact.answered", "08:30:09", "John Smith"),
                          ("contact.ended", "08:31:39", "John Smith", 90)],
        "1741595600.52": [("contact.arrived", "08:33:20", "outbound", "0041797654321"),
                          ("contact.abandoned", "08:33:45")],
    }  # fmt: skip
    assert kpi(events) == {"ventas": (0, 0, 0, 0, 1, 90)}
    switched_off = MAP.model_copy(update={"outbound_enterqueue_with_agent": False})
    _, events = convert(ASTERNIC, switched_off)
    assert kpi(events) == {"ventas": (2, 1, 1, 1, 0, 0)}  # taken for inbound calls, as before


def test_vicidial_campaign_calls_are_outbound() -> None:
    bridge, events = convert(VICIDIAL)
    assert calls(events) == {
        "M3100830000000012345": [("contact.arrived", "08:30:00", "outbound", "0041791234567"),
                                 ("contact.answered", "08:30:00", "6666"),
                                 ("contact.ended", "08:31:57", "6666", 117)],
        "V3100833000000012346": [("contact.arrived", "08:33:20", "outbound", "0041797654321"),
                                 ("contact.answered", "08:33:21", "6666"),
                                 ("contact.ended", "08:34:21", "6666", 60)],
        "V3100833000000012347": [("contact.arrived", "08:35:00", "outbound", "0041790000000"),
                                 ("contact.abandoned", "08:35:05")],
    }  # fmt: skip
    assert kpi(events) == {"TELESALES": (0, 0, 0, 0, 2, 117 + 60)}
    assert bridge.account.ignored == {"CALLSTATUS": 2}


def test_vicidial_before_2009_needs_the_campaign_marked_outbound() -> None:
    marked = MAP.model_copy(update={"queues": {"testcamp": QueueTarget(client="acme", direction="outbound")}})
    _, events = convert(VICIDIAL_2009, marked)  # the map's name in another case: the same queue
    arrivals = {e["contact_id"]: told(e)[2:] for e in events if e["type"] == "contact.arrived"}
    assert arrivals == {
        "V0525154325000035377": ("outbound", "9998888112"),
        "Y0525154346000213841": ("inbound", "9999000016"),
    }
    assert kpi(events) == {"TESTCAMP": (0, 0, 0, 0, 1, 17), "TEST_IN": (1, 0, 0, 0, 0, 0)}
    _, unmarked = convert(VICIDIAL_2009)
    assert {told(e)[2] for e in unmarked if e["type"] == "contact.arrived"} == {
        "inbound"
    }  # the documented limit


# -- E: only the map tells a dialer's calls in a real queue --------------------------------------


def test_a_dialers_calls_are_outbound_by_their_queue_or_their_number() -> None:
    by_queue = MAP.model_copy(update={"queues": {"8001": QueueTarget(client="acme", direction="outbound")}})
    _, events = convert(DIALER, by_queue)
    assert calls(events) == {
        "1741595392.60": [("contact.arrived", "08:30:00", "outbound", "0215550100"),
                          ("contact.answered", "08:30:02", "1001"),
                          ("contact.ended", "08:31:02", "1001", 60)],
        "1741595492.70": [("contact.arrived", "08:31:40", "outbound", "0215550100"),
                          ("contact.answered", "08:31:43", "PJSIP/2003"),
                          ("contact.ended", "08:33:13", "PJSIP/2003", 90)],
    }  # fmt: skip
    assert kpi(events) == {"8001": (0, 0, 0, 0, 2, 150)}
    # The centre's own number: outbound, and no customer's number (each call a customer of its own).
    by_number = MAP.model_copy(update={"outbound_callers": [" 0215550100 "]})
    _, events = convert(DIALER, by_number)
    arrivals = [told(e)[2:] for e in events if e["type"] == "contact.arrived"]
    assert arrivals == [("outbound", "anonymous:1741595392.60"), ("outbound", "anonymous:1741595492.70")]
    assert kpi(events) == {"8001": (0, 0, 0, 0, 2, 150)}
    _, events = convert(DIALER)  # nothing in the lines says it: inbound, the documented limit
    assert kpi(events) == {"8001": (2, 2, 0, 2, 0, 0)}


# -- all of them in one log: inbound stays inbound, ids stay the same ----------------------------

EVERY = sorted(
    [*OUTCALLS[:2], *QUEUEMETRICS, *ASTERNIC, *VICIDIAL, *DIALER, *INBOUND],
    key=lambda line: int(line.split("|")[0]),
)


def said_inbound() -> QueueMap:
    """Every queue said inbound but the dialer's: the event's name and the agent on ENTERQUEUE
    win over the map."""
    names = ("telesales", "q-300", "ventas", "TELESALES", "400")
    inbound = {name: QueueTarget(client="acme", direction="inbound") for name in names}
    return MAP.model_copy(
        update={"queues": inbound | {"8001": QueueTarget(client="acme", direction="outbound")}}
    )


def test_one_log_of_every_convention_keeps_its_inbound_calls_inbound() -> None:
    bridge, events = convert(EVERY, said_inbound())
    arrivals = {e["contact_id"]: e for e in events if e["type"] == "contact.arrived"}
    inbound = {c for c, e in arrivals.items() if "direction" not in e}  # the bytes of before
    assert inbound == {"1741595800.80"} and len(arrivals) == 2 + 2 + 2 + 3 + 2 + 1
    assert {e["direction"] for c, e in arrivals.items() if c not in inbound} == {"outbound"}
    assert bridge.account.ignored == {"DID": 1, "WENTONBREAK": 1, "CALLSTATUS": 2}
    assert bridge.account.unreadable == []
    rows = kpi(events)
    assert rows["400"] == (1, 1, 0, 1, 0, 0)
    assert (
        sum(row[0] for row in rows.values()) == 1
        and sum(row[4] for row in rows.values()) == 1 + 1 + 1 + 2 + 2
    )


def test_reading_again_gives_the_same_event_ids_and_every_id_differs() -> None:
    _, first = convert(EVERY, said_inbound())
    _, again = convert(EVERY, said_inbound())
    assert again == first and any(e.get("direction") == "outbound" for e in first)
    assert len({e["event_id"] for e in first}) == len(first)
    _, other_pbx = convert(EVERY, said_inbound().model_copy(update={"system": "pbx2"}))
    assert not {e["event_id"] for e in first} & {e["event_id"] for e in other_pbx}


def test_a_follower_resumes_an_outbound_call_from_any_saved_position() -> None:
    queues = said_inbound()
    _, whole = convert(EVERY, queues)
    assert any(e.get("direction") == "outbound" for e in whole)
    numbered = list(enumerate(EVERY, start=1))
    for cut in range(1, len(EVERY)):
        first = AsteriskBridge(queues)
        events = list(first.convert_all(numbered[:cut]))
        second = AsteriskBridge(queues)
        second.recall(orjson.loads(orjson.dumps(first.memory())))  # as saved in the position file
        events += list(second.convert_all(numbered[cut:]))
        assert events == whole, cut


def test_a_position_saved_before_outbound_calls_still_loads() -> None:
    # What a follower saved before this change: a call connected to Carol, her queue and state.
    saved = {
        "calls": {"1741595392.60": ["acme", "8001", "connected", "Carol", T + 2]},
        "roster": {"learned": {}, "queues": {"Carol": [["acme", "8001"]]}, "paused": {}, "busy": ["Carol"],
                   "logged_off": [], "told": [["Carol", "acme", "8001", "busy"]]},
        "spelled": {"8001": "8001"},
    }  # fmt: skip
    bridge = AsteriskBridge(MAP)
    bridge.recall(saved)
    lines = [
        "1741595462|1741595392.60|8001|Carol|COMPLETEAGENT|2|60|1",
        "1741595500|1741595460.32|8001|Carol|OUTCALL|ANSWER|30|40|0041791234567",
    ]
    events = list(bridge.convert_all(enumerate(lines, start=1)))
    assert [told(e) for e in events] == [
        ("contact.ended", "08:31:02", "Carol", 60),
        ("agent.state", "08:31:02", "Carol", "available"),
        ("contact.arrived", "08:31:00", "outbound", "0041791234567"),
        ("contact.ended", "08:31:40", "Carol", 30),
    ]
