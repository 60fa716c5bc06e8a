"""The simulator's calls written as Asterisk's queue_log and read back by the bridge: an agent's
call-back is one ``OUTCALL`` line, as ``QueueUpdate()`` writes it, and comes back as the same
outbound contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from producers.bridges.asterisk import AsteriskBridge
from producers.bridges.queue_map import load_queue_map
from producers.envelope import envelope
from producers.queue_log import QueueLogOutput
from producers.simulator import Simulator
from streams.batch.compute import LineTally, compute_rows, read_events

Event = dict[str, Any]
T = 1_741_595_400  # 2025-03-10T08:30:00Z
AGENT = "acme-support-call-01"


def event(kind: str, at_s: float, contact: str, **fields: Any) -> Event:
    return envelope(
        f"{contact}-{kind}", kind, at_s, "acme", "support", channel="call", contact_id=contact, **fields
    )


def bridged(tmp_path: Path, events: list[Event]) -> tuple[list[str], AsteriskBridge, list[Event]]:
    """The queue_log the events make, and the bridge's events of it (with the map written beside it)."""
    log = tmp_path / "queue_log"
    output = QueueLogOutput(log)
    for one in events:
        output.send(one)
    output.close()
    lines = log.read_text(encoding="utf-8").splitlines()
    bridge = AsteriskBridge(load_queue_map(output.map_path))
    return lines, bridge, list(bridge.convert_all(enumerate(lines, start=1)))


def test_a_call_back_is_one_outcall_line_read_back_as_outbound(tmp_path: Path) -> None:
    ended = {"agent_id": AGENT, "hold_s": 0.0, "resolved": True}
    lines, bridge, events = bridged(
        tmp_path,
        [
            event("contact.arrived", T, "c-1", customer_id="cust-1"),
            event("contact.answered", T + 12, "c-1", agent_id=AGENT),
            event("contact.ended", T + 212, "c-1", talk_s=180.0, wrap_s=20.0, **ended),
            # The agent calls cust-1 back: 95.6 s of talk, 30 s of wrap-up.
            event("contact.arrived", T + 300.4, "cb-1", customer_id="cust-1", direction="outbound"),
            event("contact.ended", T + 426.0, "cb-1", talk_s=95.6, wrap_s=30.0, **ended),
            # Whole seconds: dialled at T+700, hung up at T+710, so at most 10 s of talk.
            event("contact.arrived", T + 700.1, "cb-2", customer_id="cust-2", direction="outbound"),
            event("contact.ended", T + 710.7, "cb-2", talk_s=10.6, wrap_s=0.0, **ended),
        ],
    )
    assert [line.split("|")[4] for line in lines] == [
        "ENTERQUEUE",
        "CONNECT",
        "COMPLETEAGENT",
        "OUTCALL",
        "OUTCALL",
    ]
    assert lines[3:] == [
        f"{T + 396}|cb-1|acme-support|{AGENT}|OUTCALL|ANSWER|96|96|cust-1",
        f"{T + 710}|cb-2|acme-support|{AGENT}|OUTCALL|ANSWER|10|10|cust-2",
    ]
    assert bridge.account.unreadable == [] and bridge.account.ignored == {}
    contacts = [
        (e["type"], e["contact_id"], int(e["occurred_at"][14:16]) * 60 + int(e["occurred_at"][17:19]) - 1800,
         e.get("direction"), e.get("customer_id"), e.get("agent_id"), e.get("talk_s"))
        for e in events if "contact_id" in e
    ]  # fmt: skip
    assert contacts[3:] == [
        ("contact.arrived", "cb-1", 300, "outbound", "cust-1", None, None),
        ("contact.ended", "cb-1", 396, None, None, AGENT, 96),
        ("contact.arrived", "cb-2", 700, "outbound", "cust-2", None, None),
        ("contact.ended", "cb-2", 710, None, None, AGENT, 10),
    ]
    assert contacts[0] == ("contact.arrived", "c-1", 0, None, "cust-1", None, None)  # inbound as before
    (row,) = compute_rows(read_events([orjson.dumps(e) for e in events], LineTally()))
    assert (row.offered, row.handled, row.outbound_handled, row.outbound_handle_s_sum) == (1, 1, 2, 96 + 10)


def test_the_simulators_call_backs_come_back_outbound(tmp_path: Path) -> None:
    start = datetime(2026, 11, 23, 12, tzinfo=UTC)
    simulated = [one for _, one in Simulator(start, seed=4).events(start + timedelta(hours=4))]
    outbound = {
        e["contact_id"] for e in simulated if e.get("direction") == "outbound" and e["channel"] == "call"
    }
    called = {e["contact_id"]: (e["agent_id"], e["client"], e["queue"]) for e in simulated
              if e["type"] == "contact.ended" and e["contact_id"] in outbound}  # fmt: skip
    assert len(called) > 20  # the afternoon's call-backs that ended
    _, bridge, events = bridged(tmp_path, simulated)
    assert bridge.account.unreadable == []
    arrived = {
        e["contact_id"]: e for e in events if e["type"] == "contact.arrived" and e["contact_id"] in outbound
    }
    assert {c: e.get("direction") for c, e in arrived.items()} == dict.fromkeys(called, "outbound")
    customers = {e["contact_id"]: e["customer_id"] for e in simulated if e.get("contact_id") in called
                 and e["type"] == "contact.arrived"}  # fmt: skip
    assert {c: e["customer_id"] for c, e in arrived.items()} == customers
    ends = {e["contact_id"]: (e["agent_id"], e["client"], e["queue"]) for e in events
            if e["type"] == "contact.ended" and e["contact_id"] in outbound}  # fmt: skip
    assert ends == called

    def outbound_handled(of: list[Event]) -> dict[tuple[str, str], int]:
        found: dict[tuple[str, str], int] = {}
        for row in compute_rows(read_events([orjson.dumps(e) for e in of], LineTally())):
            if row.channel == "call" and row.outbound_handled:
                key = (row.client, row.queue)
                found[key] = found.get(key, 0) + row.outbound_handled
        return found

    assert outbound_handled(events) == outbound_handled(simulated)
