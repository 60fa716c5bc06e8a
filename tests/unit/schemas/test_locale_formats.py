"""Figures as each locale writes them (CLDR, through Babel), never by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from schemas.locale_formats import NOTHING, day, duration, moment, number, percent

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("locale", "grouped", "ratio", "shown_day", "clock"),
    [
        ("fr_FR", f"1{NNBSP}234,5", f"87,3{NBSP}%", "06/12/2026", "06/12/2026 16:04"),
        ("fr_CH", "1'234,5", "87,3%", "06.12.26", "06.12.26 16:04"),
        ("de_CH", "1'234.5", "87.3%", "06.12.26", "06.12.26, 16:04"),
        ("de_DE", "1.234,5", f"87,3{NBSP}%", "06.12.26", "06.12.26, 16:04"),
        ("en", "1,234.5", "87.3%", "12/6/26", f"12/6/26, 4:04{NNBSP}PM"),
    ],
)
def test_each_locale_writes_its_own_way(
    locale: str, grouped: str, ratio: str, shown_day: str, clock: str
) -> None:
    assert number(1234.5, locale, 1) == grouped
    assert percent(0.8734, locale, 1) == ratio
    assert day(date(2026, 12, 6), locale) == shown_day
    assert moment(datetime(2026, 12, 6, 15, 4, tzinfo=UTC), locale, "Europe/Zurich") == clock  # 24 h but en


def test_nothing_is_the_same_everywhere_and_durations_take_the_unit_that_says_them() -> None:
    assert number(None, "fr") == percent(None, "de") == duration(None, "en") == NOTHING
    assert (duration(45, "en"), duration(305, "fr"), duration(7200, "de_CH")) == ("45s", "5min", "2h")
    assert duration(45, "de") == "45 Sek."
