"""The one RFC 3339 formatter and parser (schemas.stamps), with bare timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from producers.envelope import envelope
from schemas.stamps import format_rfc3339, local_midnight, parse_rfc3339
from streams.engine.intervals import iso_utc, parse_iso

NOV_23_0915 = 1_795_425_300  # 2026-11-23T09:15:00Z


@pytest.mark.parametrize(
    ("epoch_s", "milliseconds", "text"),
    [
        (NOV_23_0915, False, "2026-11-23T09:15:00Z"),
        (NOV_23_0915, True, "2026-11-23T09:15:00.000Z"),
        (NOV_23_0915 + 2.12, True, "2026-11-23T09:15:02.120Z"),
        (NOV_23_0915 + 2.1204, True, "2026-11-23T09:15:02.120Z"),
        (NOV_23_0915 + 2.9996, True, "2026-11-23T09:15:03.000Z"),  # rounded to the millisecond
        (0, False, "1970-01-01T00:00:00Z"),
        (-62_135_596_800, False, "0001-01-01T00:00:00Z"),  # four digits, as RFC 3339 has them
        (-59_011_459_200, True, "0100-01-01T00:00:00.000Z"),
    ],
)
def test_format(epoch_s: float, milliseconds: bool, text: str) -> None:
    assert format_rfc3339(epoch_s, milliseconds=milliseconds) == text


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-11-23T09:15:02Z", datetime(2026, 11, 23, 9, 15, 2, tzinfo=UTC)),
        ("2026-11-23T09:15:02z", datetime(2026, 11, 23, 9, 15, 2, tzinfo=UTC)),
        ("2026-11-23T09:15:02.120Z", datetime(2026, 11, 23, 9, 15, 2, 120_000, tzinfo=UTC)),
        ("2026-11-23T09:15:02.1234567Z", datetime(2026, 11, 23, 9, 15, 2, 123_456, tzinfo=UTC)),
        ("2026-11-23T10:15:02+01:00", datetime(2026, 11, 23, 10, 15, 2, tzinfo=timezone(timedelta(hours=1)))),
        ("2026-11-23T04:15:02-05:00", datetime(2026, 11, 23, 9, 15, 2, tzinfo=UTC)),
    ],
)
def test_parse(text: str, moment: datetime) -> None:
    assert parse_rfc3339(text) == moment


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-11-23T09:15:02", "needs an offset"),
        ("2026-02-30T09:15:02Z", "day is out of range"),
        ("2026-11-23T09:15:02+01:60", "offset minutes must be in 0..59"),
        ("yesterday", "Invalid isoformat"),
    ],
)
def test_parse_refuses(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_rfc3339(text)


def test_every_stamp_written_is_read_back() -> None:
    assert parse_iso(iso_utc(NOV_23_0915)) == NOV_23_0915
    at = envelope("e1", "contact.arrived", NOV_23_0915 + 2.12, "acme", "billing")["occurred_at"]
    assert parse_rfc3339(at).timestamp() == pytest.approx(NOV_23_0915 + 2.12)


@pytest.mark.parametrize(
    ("epoch_s", "timezone", "midnight"),
    [
        (NOV_23_0915, "UTC", "2026-11-23T00:00:00Z"),
        (NOV_23_0915, "Europe/Zurich", "2026-11-22T23:00:00Z"),
        (NOV_23_0915 - 10 * 3600, "Europe/Zurich", "2026-11-22T23:00:00Z"),  # 00:15 local: that day
        (NOV_23_0915, "America/New_York", "2026-11-23T05:00:00Z"),
        (1_792_929_600, "Europe/Zurich", "2026-10-24T22:00:00Z"),  # 2026-10-25, the day summer time ends
    ],
)
def test_a_local_day_starts_at_its_midnight(epoch_s: float, timezone: str, midnight: str) -> None:
    assert format_rfc3339(local_midnight(epoch_s, timezone).timestamp()) == midnight
