"""Asterisk's queue_log through the bridge: a hand-made log whose KPIs are worked out by hand,
real-shaped lines of several Asterisk versions, and nothing dropped without a word."""

from __future__ import annotations

import orjson
import pytest

from producers.bridges.asterisk import AsteriskBridge
from producers.bridges.queue_map import QueueMap, QueueTarget
from schemas.events import Rejection
from schemas.wire import parse_event
from streams.batch.compute import LineTally, compute_rows, read_events

T = 1_790_000_100 - 1_790_000_100 % 900  # an interval boundary
MAP = QueueMap(queues={"support": QueueTarget(client="acme"), "sales": QueueTarget(client="acme")})


def log(*lines: str) -> list[tuple[int, str]]:
    return list(enumerate(lines, start=1))


HAND_MADE = log(
    f"{T - 100}|NONE|NONE|NONE|QUEUESTART|",
    f"{T - 90}|CLI|support|PJSIP/alice|ADDMEMBER|",
    f"{T - 80}|NONE|support|PJSIP/bob|PAUSE|lunch",
    # c1: answered after 12 s, 180 s of talk; the same caller calls again (c4), so no FCR.
    f"{T}|1.1|support|NONE|ENTERQUEUE||5551001|1",
    f"{T + 5}|1.1|support|PJSIP/bob|RINGNOANSWER|5000",
    f"{T + 12}|1.1|support|PJSIP/alice|CONNECT|12|1.11|4",
    f"{T + 192}|1.1|support|PJSIP/alice|COMPLETECALLER|12|180|1",
    # c2: gives up after 3 s (a short abandon); c3 after 40 s.
    f"{T + 30}|1.2|support|NONE|ENTERQUEUE||5551002|2",
    f"{T + 33}|1.2|support|NONE|ABANDON|2|2|3",
    f"{T + 60}|1.3|support|NONE|ENTERQUEUE||5551003|2",
    f"{T + 100}|1.3|support|NONE|ABANDON|1|2|40",
    # c4: c1's caller again; answered after 30 s, blind-transferred after 60 s of talk.
    f"{T + 300}|1.4|support|NONE|ENTERQUEUE||5551001|1",
    f"{T + 330}|1.4|support|PJSIP/alice|CONNECT|30|1.41|2",
    f"{T + 390}|1.4|support|PJSIP/alice|BLINDTRANSFER|2000|from-internal|30|60|1",
    # c5: times out of support, overflows to sales, answered there 70 s after it arrived.
    f"{T + 400}|1.5|support|NONE|ENTERQUEUE||5551005|1",
    f"{T + 460}|1.5|support|NONE|EXITWITHTIMEOUT|1|1|60",
    f"{T + 461}|1.5|sales|NONE|ENTERQUEUE||5551005|1",
    f"{T + 470}|1.5|sales|PJSIP/carol|CONNECT|9|1.51|2",
    f"{T + 530}|1.5|sales|PJSIP/carol|COMPLETEAGENT|9|60|1",
    "not a queue_log line",
    f"{T + 600}|1.1|support|PJSIP/alice|COMPLETEAGENT|12|abc|1",
)


def events_of(bridge: AsteriskBridge, lines: list[tuple[int, str]]) -> list[dict]:  # type: ignore[type-arg]
    return list(bridge.convert_all(lines))


def test_a_hand_made_log_gives_the_kpis_worked_out_by_hand() -> None:
    bridge = AsteriskBridge(MAP)
    events = events_of(bridge, HAND_MADE)
    for event in events:
        assert not isinstance(parse_event(orjson.dumps(event)), Rejection), event
    (row,) = compute_rows(read_events([orjson.dumps(e) for e in events], LineTally()))
    assert (row.client, row.queue, row.channel) == ("acme", "support", "call")
    assert (row.offered, row.answered, row.answered_in_sl, row.wait_s_sum) == (5, 3, 1, 12 + 30 + 70)
    assert (row.abandoned, row.short_abandoned, row.abandoned_in_sl) == (2, 1, 1)  # c5 was answered
    assert (row.handled, row.talk_s_sum, row.hold_s_sum) == (3, 180 + 60 + 60, 0)
    assert row.fcr_success == 1  # c5 only: c1 was called about again, c4 was handed on
    assert [(u.number, u.reason[:24]) for u in bridge.account.unreadable] == [
        (20, "1 fields, not time|calli"), (21, "COMPLETEAGENT: data2 (ca")]  # fmt: skip
    assert bridge.account.ignored == {"QUEUESTART": 1, "RINGNOANSWER": 1}
    states = [(e["agent_id"], e["state"]) for e in events if e["type"] == "agent.state"]
    assert states[:2] == [("PJSIP/alice", "available"), ("PJSIP/bob", "away")]
    assert ("PJSIP/carol", "busy") in states and states[-1] == ("PJSIP/carol", "available")
    moved = [e["to_queue"] for e in events if e["type"] == "contact.transferred"]
    assert moved == ["2000@from-internal", "sales"]
    assert {e["queue"] for e in events if e.get("contact_id") == "1.5"} == {"support"}  # its first queue


def test_the_same_lines_give_the_same_event_ids_and_every_id_differs() -> None:
    first = events_of(AsteriskBridge(MAP), HAND_MADE)
    again = events_of(AsteriskBridge(MAP), HAND_MADE)
    assert [e["event_id"] for e in first] == [e["event_id"] for e in again]
    assert len({e["event_id"] for e in first}) == len(first)
    other_pbx = events_of(AsteriskBridge(MAP.model_copy(update={"system": "pbx2"})), HAND_MADE)
    assert not {e["event_id"] for e in first} & {e["event_id"] for e in other_pbx}
    assert {e["contact_id"] for e in other_pbx if "contact_id" in e} >= {"pbx2:1.1"}


def test_callers_can_be_pseudonyms_and_never_appear() -> None:
    hashed = MAP.model_copy(update={"hash_callers": True})
    with pytest.raises(ValueError, match="CCKPI_CALLER_SALT"):
        AsteriskBridge(hashed)
    events = events_of(AsteriskBridge(hashed, salt="s3cret-salt"), HAND_MADE)
    text = b"".join(orjson.dumps(e) for e in events)
    assert b"5551001" not in text and b"5551005" not in text
    customers = [e["customer_id"] for e in events if e["type"] == "contact.arrived"]
    assert customers[0] == customers[3] != customers[1]  # c1 and c4: the same caller
    salted = events_of(AsteriskBridge(hashed, salt="another-salt"), HAND_MADE)
    assert customers[0] != next(e["customer_id"] for e in salted if e["type"] == "contact.arrived")


def test_a_queue_without_a_client_is_reported_not_guessed() -> None:
    strict = QueueMap(queues={"support": QueueTarget(client="acme", queue="help")}, default_client=None)
    bridge = AsteriskBridge(strict)
    events = events_of(
        bridge, log(f"{T}|2.1|support|NONE|ENTERQUEUE||1|1", f"{T}|2.2|other|NONE|ENTERQUEUE||2|1")
    )
    assert [(e["client"], e["queue"]) for e in events] == [("acme", "help")]
    assert [(u.number, u.reason) for u in bridge.account.unreadable] == [
        (2, "queue 'other' is not in the queue map (and it has no default_client)")]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        # Asterisk 1.x: ENTERQUEUE without the position; TRANSFER with extension and context.
        (f"{T}|1266833905.2|9000|NONE|ENTERQUEUE||01773597776", "contact.arrived"),
        (
            f"{T}|1266833905.2|9000|Local/2004@from-internal/n|TRANSFER|2001|from-internal|5|40",
            "contact.transferred",
        ),
        # Asterisk 12+: the caller's name after the position; attended transfers name a bridge.
        (f"{T}|1700000000.5|700|NONE|ENTERQUEUE||441632960111|1|Jane Doe", "contact.arrived"),
        (f"{T}|1700000000.5|700|PJSIP/201|ATTENDEDTRANSFER|BRIDGE|b-7|10|45|1", "contact.transferred"),
        (f"{T}|1700000000.6|700|NONE|EXITEMPTY|1|1|2", "contact.abandoned"),
        (f"{T}|1700000000.7|700|NONE|EXITWITHKEY|5|1|1|30", "contact.abandoned"),
        (f"{T}|1700000000.8|700|NONE|WITHDRAW|1|1|12|callback", "contact.abandoned"),
        (f"{T}|NONE|NONE|PJSIP/201|PAUSEALL|break", "agent.state"),
        (f"{T}|1700000000.9|NONE|1001|AGENTLOGOFF|PJSIP/1001-0001|3600", "agent.state"),
    ],
)
def test_real_shaped_lines_of_several_versions(line: str, kind: str) -> None:
    bridge = AsteriskBridge(QueueMap())
    # Members of queue 700 first: a line without a queue applies to the agent's queues.
    events_of(
        bridge, log(f"{T - 9}|NONE|700|PJSIP/201|ADDMEMBER|", f"{T - 9}|NONE|700|Agent/1001|ADDMEMBER|")
    )
    events = events_of(bridge, log(line))
    assert events and events[0]["type"] == kind
    for event in events:
        assert not isinstance(parse_event(orjson.dumps(event)), Rejection), event
