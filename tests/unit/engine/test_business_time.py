"""Business time with bare timestamps: opening hours, weekends, holidays, time zones, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from schemas.sla import BusinessHours
from streams.engine.business_time import business_us

WEEKDAYS_9_TO_5 = BusinessHours(
    **{d: ["09:00-17:00"] for d in ("monday", "tuesday", "wednesday", "thursday", "friday")},
    holidays=[date(2026, 12, 25)],
)


def us(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1_000_000)


@pytest.mark.parametrize(
    ("start", "end", "zone", "hours"),
    [
        ("2026-11-23T10:00:00+00:00", "2026-11-23T10:30:00+00:00", "UTC", 0.5),  # Monday, open
        ("2026-11-23T07:00:00+00:00", "2026-11-23T10:00:00+00:00", "UTC", 1.0),  # before opening
        ("2026-11-27T16:00:00+00:00", "2026-11-30T09:30:00+00:00", "UTC", 1.5),  # Friday to Monday
        ("2026-11-28T10:00:00+00:00", "2026-11-29T10:00:00+00:00", "UTC", 0.0),  # weekend only
        ("2026-12-24T16:00:00+00:00", "2026-12-28T10:00:00+00:00", "UTC", 2.0),  # Thu 1h, Christmas, Mon 1h
        ("2026-11-23T08:30:00+00:00", "2026-11-23T09:30:00+00:00", "Europe/Zurich", 1.0),  # 09:30-10:30 local
        ("2026-03-27T15:00:00+00:00", "2026-03-30T08:00:00+00:00", "Europe/Zurich", 2.0),  # over DST start
        ("2026-11-23T10:00:00+00:00", "2026-11-23T09:00:00+00:00", "UTC", 0.0),  # reversed: nothing
    ],
)
def test_business_time(start: str, end: str, zone: str, hours: float) -> None:
    assert business_us(us(start), us(end), WEEKDAYS_9_TO_5, zone) == round(hours * 3600 * 1_000_000)


def test_no_opening_hours_means_always_open() -> None:
    start = int(datetime(2026, 11, 28, tzinfo=UTC).timestamp() * 1e6)
    assert business_us(start, start + 7_000_000, None, "UTC") == 7_000_000
