"""Numbers, percentages, durations and dates as a client's locale writes them (Babel's CLDR data):
1 234,5 in France, 1'234.5 in German-speaking Switzerland, 06.12.26 there, 06/12/2026 in France.

Every view that shows a figure to a person formats it here; files for machines (the report's
CSV) keep a dot and no grouping whatever the language.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import (
    format_date,
    format_datetime,
    format_skeleton,
    format_time,
    format_timedelta,
    get_timezone_location,
)
from babel.numbers import format_currency, format_decimal, format_percent
from babel.units import format_unit

NOTHING = "—"  # a figure with no value (a ratio over nothing): the same in every language


def number(value: float | None, locale: str, digits: int = 0) -> str:
    """A count or an amount, grouped as the locale groups it."""
    if value is None:
        return NOTHING
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale)


def percent(value: float | None, locale: str, digits: int = 0) -> str:
    """A ratio (0.873) as the locale writes a percentage (87 %, 87%)."""
    if value is None:
        return NOTHING
    pattern = Locale.parse(locale).percent_formats[None].pattern  # its spacing: 87 % in French
    if digits:
        pattern = pattern.replace("0", "0." + "0" * digits, 1)
    return format_percent(value, format=pattern, locale=locale)


def duration(seconds: float | None, locale: str, width: Literal["narrow", "short", "long"] = "narrow") -> str:
    """A wait or a handling time in the locale's words, to the unit that says it: narrow on a
    card (45s, 5min), short in a sentence (45 sec, 5 Min.)."""
    if seconds is None:
        return NOTHING
    return format_timedelta(timedelta(seconds=round(seconds)), threshold=1.5, format=width, locale=locale)


def day(value: date, locale: str) -> str:
    """A date as the locale writes it in a table (06/12/2026, 06.12.26, 12/6/26)."""
    return format_date(value, format="short", locale=locale)


def moment(value: datetime, locale: str, timezone: str) -> str:
    """An aware moment in the client's time zone, on the locale's 24- or 12-hour clock."""
    return format_datetime(value, format="short", tzinfo=ZoneInfo(timezone), locale=locale)


# A printed report's figures: its dates carry the year in full and its times their zone.


def calendar_day(value: date, locale: str) -> str:
    """A date with the year in full (06/12/2026, 06.12.2026, 12/6/2026): a report is read months
    later, where 06.12.26 could be misread."""
    return format_skeleton("yMMdd", value, locale=locale)


def day_and_month(value: date, locale: str) -> str:
    """A day on a chart's axis, the month in the locale's words (6 déc., 6. Dez., Dec 6)."""
    return format_skeleton("MMMd", value, locale=locale)


def month(value: date, locale: str) -> str:
    """The month a report covers (décembre 2026, Dezember 2026, December 2026)."""
    return format_skeleton("yMMMM", value, locale=locale)


def calendar_moment(value: datetime, locale: str, timezone: str) -> str:
    """An aware moment in the client's zone, its date with the year in full, on the locale's
    24- or 12-hour clock (06/12/2026 16:04, 06.12.2026, 16:04, 12/6/2026, 4:04 PM)."""
    zone = ZoneInfo(timezone)
    local = value.astimezone(zone)
    clock = format_time(local, format="short", tzinfo=zone, locale=locale)
    joined = str(Locale.parse(locale).datetime_formats["short"]).replace("'", "")
    return joined.replace("{0}", clock).replace("{1}", calendar_day(local.date(), locale))


def seconds(value: float | None, locale: str) -> str:
    """A time in whole seconds with the locale's unit (312 sec, 1 312 s, 312 Sek.): beside its
    target, where a rounded duration (5 min) would hide the difference."""
    if value is None:
        return NOTHING
    return format_unit(value, "duration-second", length="short", format="#,##0", locale=locale)


def money(value: float | None, currency: str, locale: str) -> str:
    """An amount in an ISO 4217 currency, sign and spacing the locale's (4,12 €, EUR 4.12, €4.12);
    a bare amount of two decimals when no currency is set."""
    if value is None:
        return NOTHING
    if not currency:
        return number(value, locale, 2)
    return format_currency(value, currency, locale=locale)


def place(timezone: str, locale: str) -> str:
    """The city a time zone is named after, in the locale's words (Zürich in German)."""
    return str(get_timezone_location(timezone, locale=locale, return_city=True))
