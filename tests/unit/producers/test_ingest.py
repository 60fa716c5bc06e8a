"""POST /ingest's conversion: each line checked against the contract, refusals named by line."""

from __future__ import annotations

import orjson

from producers.ingest import PARTIAL, ingest
from tests.helpers.events import raw


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


def test_a_client_token_takes_its_client_only_and_refuses_a_body_with_another() -> None:
    acme, globex = (orjson.dumps(raw("contact.arrived", 0, f"c-{c}", client=c, customer_id="u"))
                    for c in ("acme", "globex"))  # fmt: skip
    assert ingest(acme + b"\n" + acme, client="acme")[0] == 200
    status, answer, messages = ingest(b"\n".join([acme, b"{broken", globex]), client="acme")
    assert (status, messages, answer["accepted"]) == (403, [], 0) and "line 3" in answer["error"]
    assert ingest(acme + b"\n" + globex, client=None)[0] == 200  # a token for any client


def test_every_channel_direction_and_self_service_is_taken_and_a_wrong_value_named() -> None:
    """The second set of additions (events.md): six channels, ``direction``, ``contact.self_served``."""
    good = [raw("contact.arrived", 0, f"c-{channel}", channel=channel, customer_id="u")
            for channel in ("call", "chat", "email", "messaging", "social", "form")]  # fmt: skip
    good += [raw("contact.arrived", 0, "c-out", customer_id="u", direction="outbound"),
             raw("contact.arrived", 0, "c-in", customer_id="u", direction="inbound"),
             raw("contact.self_served", 30, "c-chat", channel="chat", bot_id="faq-bot"),
             raw("contact.self_served", 30, "c-messaging", channel="messaging")]  # fmt: skip
    status, answer, messages = ingest(b"\n".join(orjson.dumps(e) for e in good))
    assert (status, answer["accepted"], len(messages)) == (200, len(good), len(good))
    wrong = [raw("contact.arrived", 0, "c1", channel="fax", customer_id="u"),
             raw("contact.arrived", 0, "c2", customer_id="u", direction="sideways"),
             raw("contact.self_served", 0, "c3", bot_id="")]  # fmt: skip
    status, answer, messages = ingest(b"\n".join(orjson.dumps(e) for e in wrong))
    assert (status, messages) == (400, [])
    reasons = [r["reason"] for r in answer["rejected"]]
    assert "channel" in reasons[0] and "direction" in reasons[1] and "bot_id" in reasons[2], reasons
