"""Public holidays from a calendar (country, subdivision, added and removed days) close the
centre for business time, as listed dates do; a year once resolved can be held to its dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from schemas.config_file import ConfigError
from schemas.sla import BusinessHours, SlaFile, SlaSettings, load_sla
from streams.engine.business_time import business_us
from streams.engine.intervals import US_PER_S

EXAMPLE = Path(__file__).resolve().parents[3] / "sla.example.yaml"
WEEKDAYS = {day: ["08:00-18:00"] for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}


def hours(holidays: object) -> BusinessHours:
    return BusinessHours.model_validate({**WEEKDAYS, "holidays": holidays})


def test_zurich_closes_on_its_public_holidays_and_the_days_it_adds() -> None:
    zurich = hours({"country": "CH", "subdivision": "ZH", "add": ["2026-12-24"], "remove": ["2026-05-01"]})
    closed = zurich.holidays_of(2026)
    assert {
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 14),
        date(2026, 5, 25),
        date(2026, 8, 1),
        date(2026, 12, 24),
        date(2026, 12, 25),
    } <= closed  # Good Friday … a company day off
    assert date(2026, 5, 1) not in closed  # removed: the centre works on Labour Day
    assert zurich.holidays_of(2031) and all(d.year == 2031 for d in zurich.holidays_of(2031))  # every year
    assert not zurich.is_open(datetime(2026, 4, 3, 10))  # a Friday, Good Friday
    assert zurich.is_open(datetime(2026, 4, 2, 10))


def test_business_time_skips_a_calendar_holiday_as_a_listed_one() -> None:
    thursday_5pm = int(datetime(2026, 4, 2, 17, tzinfo=UTC).timestamp()) * US_PER_S
    tuesday_9am = int(datetime(2026, 4, 7, 9, tzinfo=UTC).timestamp()) * US_PER_S
    listed = hours(["2026-04-03", "2026-04-06"])
    calendar = hours({"country": "CH", "subdivision": "ZH"})
    expected = 2 * 3600 * US_PER_S  # Thursday 17-18, Tuesday 8-9: Good Friday and Easter Monday closed
    assert business_us(thursday_5pm, tuesday_9am, listed, "UTC") == expected
    assert business_us(thursday_5pm, tuesday_9am, calendar, "UTC") == expected


def test_a_pinned_year_keeps_its_dates_whatever_the_package_says() -> None:
    calendar = hours({"country": "CH", "subdivision": "ZH"})
    calendar.pin(2026, [date(2026, 4, 2)])  # as stored when first resolved
    assert calendar.holidays_of(2026) == {date(2026, 4, 2)}
    assert calendar.is_open(datetime(2026, 4, 3, 10)) and not calendar.is_open(datetime(2026, 4, 2, 10))


@pytest.mark.parametrize(
    ("holidays", "problem"),
    [({"country": "XX"}, "Country XX not available"),
     ({"country": "CH", "subdivision": "QQ"}, "does not have subdivision QQ"),
     ({"country": "ch"}, "String should match pattern"),
     ({"country": "CH", "extra": 1}, "Extra inputs are not permitted")],
)  # fmt: skip
def test_a_wrong_calendar_is_named_in_the_file(
    tmp_path: Path, holidays: dict[str, object], problem: str
) -> None:
    path = tmp_path / "sla.yaml"
    path.write_text(f"clients:\n  acme:\n    business_hours:\n      monday: ['08:00-18:00']\n"
                    f"      holidays: {holidays!r}\n".replace("'", '"'))  # fmt: skip
    with pytest.raises(ConfigError) as raised:
        load_sla(path)
    said = str(raised.value)
    assert "clients.acme.business_hours.holidays.calendar" in said and problem in said


def test_the_example_closes_zurich_on_its_holidays_and_lists_the_calendar_clients() -> None:
    sla = load_sla(EXAMPLE)
    assert [client for client, _ in sla.calendars()] == ["acme"]
    assert not sla.is_open("acme", datetime(2026, 12, 24, 10, tzinfo=UTC))
    assert not sla.is_open("acme", datetime(2027, 3, 26, 10, tzinfo=UTC))  # Good Friday 2027, unlisted
    assert SlaSettings(SlaFile()).calendars() == []
