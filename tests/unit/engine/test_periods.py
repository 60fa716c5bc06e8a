"""Months in a client's time zone, as epoch seconds of UTC interval rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.engine.periods import month_bounds


def test_month_bounds_follow_the_client_time_zone() -> None:
    start, end = month_bounds("2026-10", "Europe/Zurich")
    assert datetime.fromtimestamp(start, UTC).isoformat() == "2026-09-30T22:00:00+00:00"
    assert datetime.fromtimestamp(end, UTC).isoformat() == "2026-10-31T23:00:00+00:00"  # DST ended
    with pytest.raises(ValueError, match="YYYY-MM"):
        month_bounds("October", "UTC")
