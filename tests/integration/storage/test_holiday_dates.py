"""A holiday calendar's dates are stored the first time a year is needed and held from then on:
a worker or a replay under another release of the package counts business time as before."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest

from schemas.sla import SlaFile, SlaSettings
from streams.storage.backends.connect import connect
from streams.storage.holiday_dates import keep_holidays, pin_stored_holidays, stored_holidays
from streams.storage.schema.migrate import migrate

pytestmark = pytest.mark.integration

WEEK = {day: ["08:00-18:00"] for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}


def settings() -> SlaSettings:
    business = {**WEEK, "holidays": {"country": "CH", "subdivision": "ZH"}}
    return SlaSettings(SlaFile.model_validate({"clients": {"acme": {"business_hours": business},
                                                           "globex": {"business_hours": WEEK}}}))  # fmt: skip


def test_a_year_is_stored_once_and_held_to_its_stored_dates(store_url: str | None, tmp_path: Path) -> None:
    store = connect(store_url, tmp_path, f"holidays_{uuid.uuid4().hex[:8]}")
    try:
        migrate(store)
        first = settings()
        assert keep_holidays(store, first, [2026, 2027]) == [("acme", 2026), ("acme", 2027)]  # calendars only
        stored = stored_holidays(store)
        assert date(2026, 4, 3) in stored[("acme", 2026)] and len(stored) == 2
        assert keep_holidays(store, settings(), [2026, 2027, 2028]) == [("acme", 2028)]  # the rest is kept
        # A release of the package that disagrees: what was stored still decides.
        store.insert("holiday_dates", ("client", "year", "days", "resolved_at"),
                     [["acme", 2029, [date(2029, 6, 1)], 0]])  # fmt: skip
        later = settings()
        pin_stored_holidays(store, later)
        ((_, acme),) = later.calendars()
        assert acme.holidays_of(2029) == {date(2029, 6, 1)}
        assert acme.holidays_of(2026) == frozenset(stored[("acme", 2026)])
    finally:
        store.close()
