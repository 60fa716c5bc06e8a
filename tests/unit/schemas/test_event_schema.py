"""Every kind of malformed message is rejected with a reason that names the problem."""

from __future__ import annotations

import pytest

from schemas.events import ContactArrived, Rejection, validate_event
from schemas.wire import parse_event
from tests.helpers.bad_messages import BAD_MESSAGES, GOOD, _with


@pytest.mark.parametrize(("payload", "words"), BAD_MESSAGES, ids=[w for _, w in BAD_MESSAGES])
def test_bad_message_is_rejected_with_reason(payload: bytes, words: str) -> None:
    result = parse_event(payload)
    assert isinstance(result, Rejection)
    assert words in result.reason


def test_good_event_parses_and_keeps_extra_fields() -> None:
    event = validate_event(_with(type="contact.arrived", customer_id="u1", vendor_field={"x": 1}))
    assert isinstance(event, ContactArrived)
    assert event.customer_id == "u1"
    assert event.model_extra == {"talk_s": 10, "hold_s": 0, "wrap_s": 5,
                                 "resolved": True, "vendor_field": {"x": 1}}  # fmt: skip
    assert parse_event(_with()).type == "contact.ended"  # type: ignore[union-attr]
    assert GOOD["type"] == "contact.ended"


@pytest.mark.parametrize(
    ("stamp", "expected_us"),
    [
        ("2026-11-23T09:15:02Z", 1795425302_000000),
        ("2026-11-23T10:15:02+01:00", 1795425302_000000),
        ("2026-11-23T09:15:02.1234567891Z", 1795425302_123456),
        ("2026-11-23t09:15:02z", 1795425302_000000),
    ],
)
def test_timestamps_with_offsets(stamp: str, expected_us: int) -> None:
    event = parse_event(_with(occurred_at=stamp))
    assert not isinstance(event, Rejection), event
    assert event.occurred_us == expected_us
