"""The fast msgspec decoder and the pydantic contract models take the same decisions."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import msgspec
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from producers.simulator import Simulator
from schemas.events import Rejection, validate_event
from schemas.wire import _SLICE, parse_event, parse_events
from tests.helpers.bad_messages import BAD_MESSAGES

SAMPLES = [e for _, e in Simulator(datetime(2026, 11, 23, 8, tzinfo=UTC), seed=4).events(
    datetime(2026, 11, 23, 9, tzinfo=UTC))]  # fmt: skip
KINDS = {e["type"]: e for e in SAMPLES}  # one valid event of every type
_ARRIVED = KINDS["contact.arrived"]
KINDS["contact.self_served"] = {**_ARRIVED, "type": "contact.self_served", "bot_id": "faq-bot"}
KINDS["contact.self_served"].pop("customer_id")
OUTBOUND = {**_ARRIVED, "direction": "outbound"}


def agree(raw: bytes) -> None:
    fast, reference = parse_event(raw), validate_event(raw)
    assert list(parse_events([raw])) == [fast], raw  # the batch parse decides alike
    assert isinstance(fast, Rejection) == isinstance(reference, Rejection), (raw, fast, reference)
    if isinstance(fast, Rejection):
        assert fast == reference  # the reason always comes from the contract models
        return
    assert not isinstance(reference, Rejection)
    assert fast.occurred_us == reference.occurred_us
    ours = msgspec.structs.asdict(fast)
    theirs = reference.model_dump(exclude={"occurred_at"})
    for name, value in ours.items():
        if name not in ("occurred_at", "occurred_us"):
            assert theirs.get(name) == value, (name, raw)
    assert fast.type == reference.type


def test_every_simulated_event_decodes_the_same() -> None:
    assert set(KINDS) == {
        "contact.arrived", "contact.answered", "contact.abandoned", "contact.replied",
        "contact.transferred", "contact.ended", "survey.answered", "agent.state", "contact.self_served",
    }  # fmt: skip
    for event in [*SAMPLES, KINDS["contact.self_served"], OUTBOUND, {**_ARRIVED, "direction": "inbound"}]:
        agree(orjson.dumps(event))


def test_every_bad_message_is_rejected_by_both() -> None:
    for payload, _ in BAD_MESSAGES:
        agree(payload)


JSON_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 20), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "call", "chat", "email", "x", "busy", "2026-11-23T09:00:00Z",
                     "2026-11-23T09:00:00", "2026-02-30T00:00:00Z", "2026-11-23 09:00:00Z",
                     "contact.arrived", "agent.state", "1e400", "inbound", "outbound",
                     "contact.self_served"]),
    st.lists(st.integers(-9, 9), max_size=2),
)  # fmt: skip


@settings(max_examples=int(os.environ.get("CCKPI_FUZZ_EXAMPLES", "400")), deadline=None)
@given(
    kind=st.sampled_from(sorted(KINDS)),
    changes=st.dictionaries(
        st.sampled_from(["event_id", "schema_version", "type", "occurred_at", "client", "queue",
                         "channel", "contact_id", "customer_id", "agent_id", "to_queue", "talk_s",
                         "hold_s", "wrap_s", "resolved", "csat", "nps", "state", "extra",
                         "direction", "bot_id"]),
        st.one_of(st.just("<drop>"), JSON_VALUES), max_size=3,
    ),
)  # fmt: skip
def test_mutated_events_get_the_same_decision(kind: str, changes: dict[str, Any]) -> None:
    body = dict(KINDS[kind])
    for name, value in changes.items():
        if value == "<drop>":
            body.pop(name, None)
        else:
            body[name] = value
    agree(orjson.dumps(body))


@settings(max_examples=int(os.environ.get("CCKPI_FUZZ_EXAMPLES", "400")), deadline=None)
@given(
    kind=st.sampled_from(sorted(KINDS)),
    first=st.dictionaries(
        st.sampled_from(["event_id", "type", "occurred_at", "client", "channel", "contact_id", "talk_s",
                         "resolved", "csat", "state", "direction"]),
        JSON_VALUES, min_size=1, max_size=3,
    ),
    last=st.booleans(),
)  # fmt: skip
def test_a_name_given_twice_is_read_as_the_models_read_it(
    kind: str, first: dict[str, Any], last: bool
) -> None:
    """Valid JSON names a field twice: the contract models keep the last value, and so does the fast
    decoder (which checks every occurrence, and on its own refused what the models take)."""
    body = orjson.dumps(KINDS[kind])
    extra = orjson.dumps(first)[1:-1]
    raw = body[:-1] + b"," + extra + b"}" if last else b"{" + extra + b"," + body[1:]
    agree(raw)


def test_a_name_given_twice_with_a_wrong_first_value_is_an_event() -> None:
    body = orjson.dumps({**KINDS["contact.ended"], "talk_s": 12.5})
    event = parse_event(b'{"talk_s": "twelve", "type": "agent.state", ' + body[1:])
    assert not isinstance(event, Rejection) and event.type == "contact.ended" and event.talk_s == 12.5


def test_stamps_of_the_producers_shape_get_the_same_decision() -> None:
    """The fast path trusts fromisoformat once the separators sit in place; prove it per position."""
    stamp = "2026-11-23T09:15:02.120Z"
    odd = "09 +-:.TtZzW,x\u0663\uff11"  # includes an Arabic-Indic and a fullwidth digit
    body = dict(KINDS["contact.arrived"])
    for at in range(len(stamp)):
        for char in odd:
            body["occurred_at"] = stamp[:at] + char + stamp[at + 1 :]
            agree(orjson.dumps(body))
    for other in (
        "2026-W47-1T09:15:02.120Z",
        "2026-11-23T09:15:02.12Z",
        "2026-11-23T09:15:02,120Z",
        "2026-11-23T09:15:02.1204Z",
        "2026-02-29T09:15:02.120Z",
        "2028-02-29T09:15:02.120Z",
    ):
        body["occurred_at"] = other
        agree(orjson.dumps(body))


def test_a_batch_of_good_and_bad_messages_parses_as_each_one_does() -> None:
    """Rejections among events keep their places, whatever path each stamp takes."""
    body = dict(KINDS["contact.answered"], occurred_at="2026-11-23T09:15:02.120+00:00")
    batch = [orjson.dumps(e) for e in SAMPLES + [body]] + [payload for payload, _ in BAD_MESSAGES]
    batch = batch[::2] + batch[1::2]
    assert list(parse_events(memoryview(raw) for raw in batch)) == [parse_event(raw) for raw in batch]
    assert list(parse_events([])) == []


def test_a_batch_longer_than_a_slice_keeps_every_message_in_place() -> None:
    good = orjson.dumps(KINDS["agent.state"])
    bad = BAD_MESSAGES[0][0]
    odd_stamp = orjson.dumps(dict(KINDS["contact.arrived"], occurred_at="2026-11-23T09:15:02Z"))
    batch = [good] * (_SLICE - 1) + [bad, odd_stamp] + [good] * 3 + [bad]
    assert list(parse_events(batch)) == [parse_event(raw) for raw in batch]
