"""``cckpi compute`` over several processes gives exactly what one process gives."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import numpy as np
import orjson

from producers.simulator import Simulator
from schemas.sla import SlaSettings
from streams.batch.compute import compute_bytes
from streams.batch.packed import Packed
from streams.batch.parallel import batch_messages
from streams.batch.routing import owners, route_keys
from streams.engine.contributions import FCR
from tests.helpers.bad_messages import BAD_MESSAGES

EVENTS = [e for _, e in Simulator(datetime(2026, 11, 23, tzinfo=UTC), seed=9).events(
    datetime(2026, 11, 23, 12, tzinfo=UTC))]  # fmt: skip


def route(messages: Packed, workers: int) -> bytes:
    """Both routing steps, over two slices as the pool runs them."""
    half = len(messages) // 2
    parts = [route_keys(messages, 0, half), route_keys(messages, half, len(messages))]
    keys, pairs, _ = (np.frombuffer(b"".join(p), np.int64) for p in zip(*parts, strict=True))
    return owners(keys, pairs, workers)


def jsonl(events: list[dict[str, object]]) -> list[bytes]:
    return [orjson.dumps(e) for e in events]


def test_three_workers_equal_one_on_shuffled_input_with_bad_and_blank_lines() -> None:
    lines = jsonl(EVENTS)
    random.Random(3).shuffle(lines)  # a contact's events end up far apart
    bad_lines = [raw for raw, _ in BAD_MESSAGES if raw.strip() and b"\n" not in raw.strip()]
    for i, bad in enumerate(bad_lines):
        lines.insert(i * 97 % len(lines), bad)
    lines.insert(50, b"")
    lines.insert(51, b"   ")
    data = b"\n".join(lines) + b"\n"
    one_rows, one_report = compute_bytes(data, workers=1)
    many_rows, many_report = compute_bytes(data, workers=3)
    assert len(one_rows) > 100
    assert any(r.fcr_success for r in one_rows)  # FCR needs a customer's contacts together
    assert many_rows == one_rows
    assert many_report == one_report
    assert len(one_report.rejected) == len(bad_lines) > 20


def test_a_contact_and_its_customer_stay_with_one_worker() -> None:
    lines = jsonl(EVENTS)
    owner = route(Packed.messages(lines), 4)
    by_contact: dict[tuple[str, str], set[int]] = {}
    by_customer: dict[tuple[str, str], set[int]] = {}
    customer_of = {(e["client"], e["contact_id"]): e["customer_id"] for e in EVENTS
                   if e["type"] == "contact.arrived"}  # fmt: skip
    for event, worker in zip(EVENTS, owner, strict=True):
        contact = (event["client"], event.get("contact_id"))
        if contact in customer_of:
            by_contact.setdefault(contact, set()).add(worker)
            by_customer.setdefault((event["client"], customer_of[contact]), set()).add(worker)
    assert all(len(w) == 1 for w in by_contact.values())
    assert all(len(w) == 1 for w in by_customer.values())
    assert len(set(owner)) == 4  # and the work is spread


def test_customers_named_differently_by_one_contact_are_joined() -> None:
    def arrival(contact: str, customer: str, eid: str) -> bytes:
        return orjson.dumps({"type": "contact.arrived", "client": "acme", "contact_id": contact,
                             "customer_id": customer, "event_id": eid})  # fmt: skip

    lines = [
        arrival("c1", "x", "1"),
        arrival("c1", "y", "2"),
        arrival("c2", "y", "3"),
        arrival("c3", "x", "4"),
        arrival("c4", "z", "5"),
        arrival("c4", "w", "6"),
        arrival("c5", "w", "7"),
    ]
    for workers in (2, 3, 5, 7):
        owner = route(Packed.messages(lines), workers)
        assert len(set(owner[:4])) == 1 and len(set(owner[4:])) == 1


def test_a_contact_that_never_arrived_stays_together_and_unreadable_lines_are_spread() -> None:
    lines = [orjson.dumps({"type": "contact.answered", "client": "acme", "contact_id": "c9", "n": n})
             for n in range(20)] + [b"not json"] * 20  # fmt: skip
    owner = route(Packed.messages(lines), 4)
    assert len(set(owner[:20])) == 1
    assert set(owner[20:]) == {0, 1, 2, 3}


def test_an_escaped_type_is_still_found() -> None:
    escaped = b'{"type":"contact\\u002earrived","client":"acme","contact_id":"c1","customer_id":"x"}'
    same_customer = b'{"type":"contact.arrived","client":"acme","contact_id":"c2","customer_id":"x"}'
    for workers in (2, 3, 5):
        owner = route(Packed.messages([escaped, same_customer] * 3), workers)
        assert len(set(owner)) == 1


def test_messages_holding_newlines_are_routed_whole() -> None:
    """The replay's messages come from the archive byte for byte, pretty-printed or not."""
    messages = [orjson.dumps(e, option=orjson.OPT_INDENT_2 if i % 2 else 0) for i, e in enumerate(EVENTS)]
    random.Random(5).shuffle(messages)
    packed = Packed.messages(messages)
    ids = Packed.messages([orjson.loads(m)["event_id"].encode() for m in messages])
    one = batch_messages(packed, SlaSettings(), workers=1, event_ids=ids)
    many = batch_messages(packed, SlaSettings(), workers=3, event_ids=ids)
    assert any(vector[FCR] for vector in one.rows.values())
    assert many.rows == one.rows
    assert many.inputs == one.inputs and set(one.inputs) == {k for k, v in one.rows.items() if v[0]}
    assert many.report == one.report and one.report.valid == len(EVENTS)
