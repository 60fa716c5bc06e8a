"""Numbers, percentages, durations and dates as a client's locale writes them (Babel's CLDR data):
1 234,5 in France, 1'234.5 in German-speaking Switzerland, 06.12.26 there, 06/12/2026 in France.

Every view that shows a figure to a person formats it here; files for machines (the report's
CSV) keep a dot and no grouping whatever the language.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_decimal, format_percent

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


def duration(seconds: float | None, locale: str) -> str:
    """A wait or a handling time in the locale's words, to the unit that says it (45 s, 5 min)."""
    if seconds is None:
        return NOTHING
    return format_timedelta(timedelta(seconds=round(seconds)), threshold=1.5, format="narrow", locale=locale)


def day(value: date, locale: str) -> str:
    """A date as the locale writes it in a table (06/12/2026, 06.12.26, 12/6/26)."""
    return format_date(value, format="short", locale=locale)


def moment(value: datetime, locale: str, timezone: str) -> str:
    """An aware moment in the client's time zone, on the locale's 24- or 12-hour clock."""
    return format_datetime(value, format="short", tzinfo=ZoneInfo(timezone), locale=locale)
