"""An event stamped outside the times the stored columns hold (ClickHouse DateTime: 1970-01-01 up
to 2106-02-07 06:28:15) is a dead letter of the live stage: written, it would be stored wrong or
refused by ClickHouse, and a refused write is retried for ever. A producer's zero time
(0001-01-01, as Go writes an unset time) is the usual one."""

from __future__ import annotations

import time

import orjson
import pytest

from schemas.sla import SlaSettings
from streams.stages.contact_stage import STORED_RANGE_REASON, ContactStage
from tests.helpers.events import raw


def taken(stamp: str, max_future_s: int | None) -> list[str]:
    """The dead-letter reasons of one arrival stamped so (none: taken)."""
    stage = ContactStage(
        SlaSettings(), 1, max_future_us=None if max_future_s is None else max_future_s * 1_000_000
    )
    stage.restore(0, [])
    body = orjson.dumps(raw("contact.arrived", 0, "c1", customer_id="u1", occurred_at=stamp))
    out = stage.ingest([(0, 0, body)], version=time.time_ns(), now_s=int(time.time()))
    return [letter.reason for letter in out.dead_letters]


@pytest.mark.parametrize("max_future_s", [None, 300])
@pytest.mark.parametrize(
    "stamp",
    ["0001-01-01T00:00:00Z", "1969-12-31T23:59:59.999999Z", "1850-06-01T12:00:00+01:00",
     "1970-01-01T00:30:00+01:00"],
)  # fmt: skip
def test_an_event_before_1970_is_a_dead_letter_saying_why(stamp: str, max_future_s: int | None) -> None:
    assert taken(stamp, max_future_s) == [STORED_RANGE_REASON]


def test_an_event_past_2106_is_a_dead_letter_saying_why_without_a_clock_rule() -> None:
    assert taken("2106-02-07T06:28:16Z", None) == [STORED_RANGE_REASON]
    assert taken("9999-12-31T23:59:59Z", None) == [STORED_RANGE_REASON]
    assert "ahead of the worker's clock" in taken("2106-02-07T06:28:16Z", 300)[0]


def test_the_edges_of_the_range_are_taken() -> None:
    assert taken("1970-01-01T00:00:00Z", None) == []
    assert taken("2106-02-07T06:28:15.999999Z", None) == []
