"""POST /ingest's conversion: each line checked against the contract, refusals named by line."""

from __future__ import annotations

import orjson

from producers.ingest import PARTIAL, ingest
from tests.unit.events import raw


def test_a_batch_with_bad_lines_is_taken_in_part_and_says_which() -> None:
    good = [
        raw("contact.arrived", 0, "c1", customer_id="u1"),
        raw("agent.state", 1, agent_id="a1", state="busy"),
    ]
    body = b"\n".join([orjson.dumps(good[0]), b"{not json", orjson.dumps({**good[0], "type": "nope"}),
                       b"", orjson.dumps(good[1])])  # fmt: skip
    status, answer, messages = ingest(body)
    assert status == PARTIAL and answer["accepted"] == 2
    assert [r["line"] for r in answer["rejected"]] == [2, 3]
    assert all(r["reason"] for r in answer["rejected"])
    assert [key for key, _ in messages] == [b"c1", b"a1"]  # keyed as the contract says
    assert [orjson.loads(value) for _, value in messages] == good  # as sent, unknown fields and all


def test_all_good_is_200_and_none_good_is_400() -> None:
    event = orjson.dumps(raw("contact.arrived", 0, "c1", customer_id="u1", extra_field="kept"))
    assert ingest(event)[0] == 200 and b"extra_field" in ingest(event)[2][0][1]
    status, answer, messages = ingest(b"[1, 2]\n")
    assert (status, messages, answer["rejected"][0]["line"]) == (400, [], 1)
    assert ingest(b"  \n")[:2] == (400, {"accepted": 0, "rejected": [], "error": "empty body"})
