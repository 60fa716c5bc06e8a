"""Figures as each locale writes them (CLDR, through Babel), never by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from schemas.locale_formats import (
    NOTHING,
    calendar_day,
    calendar_moment,
    day,
    day_and_month,
    duration,
    moment,
    money,
    month,
    number,
    percent,
    place,
    seconds,
)

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


@pytest.mark.parametrize(
    ("locale", "full_day", "axis_day", "named_month", "stamp", "secs", "amount", "city"),
    [
        ("fr_FR", "06/12/2026", "6 déc.", "décembre 2026", "06/12/2026 16:04", f"1{NNBSP}312{NNBSP}s",
         f"4,12{NBSP}€", "Zurich"),
        ("de_CH", "06.12.2026", "6. Dez.", "Dezember 2026", "06.12.2026, 16:04", "1'312 Sek.",
         f"EUR{NBSP}4.12", "Zürich"),
        ("en", "12/6/2026", "Dec 6", "December 2026", f"12/6/2026, 4:04{NNBSP}PM", "1,312 sec", "€4.12",
         "Zurich"),
    ],
)  # fmt: skip
def test_a_reports_dates_carry_the_year_and_its_figures_their_unit(
    locale: str, full_day: str, axis_day: str, named_month: str, stamp: str, secs: str, amount: str, city: str
) -> None:
    assert calendar_day(date(2026, 12, 6), locale) == full_day
    assert day_and_month(date(2026, 12, 6), locale) == axis_day
    assert month(date(2026, 12, 1), locale) == named_month
    assert calendar_moment(datetime(2026, 12, 6, 15, 4, tzinfo=UTC), locale, "Europe/Zurich") == stamp
    assert seconds(1312.4, locale) == secs
    assert money(4.12, "EUR", locale) == amount
    assert place("Europe/Zurich", locale) == city
    assert seconds(None, locale) == money(None, "EUR", locale) == "—"
    assert money(3.5, "", locale) == number(3.5, locale, 2)  # no currency set: the amount alone
