"""Time stamps: the time unit, the one RFC 3339 formatter and parser, a local day's start, and
the batch decoder.

Every stamp the product writes comes from :func:`format_rfc3339` and every stamp it reads
(events, command options, interval names) goes through :func:`parse_rfc3339`.

:func:`moments_us` decides many stamps in a few numpy passes: one ``fromisoformat`` a stamp
was a third of the batch parse. The producers write one shape, ``2026-11-23T09:15:02.120Z``;
for it the calendar rules are few enough to check on whole columns of digits. Whatever this
cannot decide (another shape, a bad date) is marked so the caller takes the scalar path,
:func:`parse_rfc3339`, whose decision is the contract's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

US_PER_S = 1_000_000  # every instant and duration is integer microseconds: exact sums in any order

_SHAPE = b"0000-00-00T00:00:00.000Z"
_TEMPLATE = np.frombuffer(_SHAPE, np.uint8)
# Below this, a byte minus the template's is right: digits 0-9, separators exactly.
_LIMIT = np.array([10 if char == ord("0") else 1 for char in _SHAPE], np.uint8)
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)
# Days before each month in a year that starts in March (leap day last), for days_from_civil.
_DAYS_BEFORE = np.array([0, 306, 337, 0, 31, 61, 92, 122, 153, 184, 214, 245, 275], np.int64)
_UNIX_DAY = 719_469  # days from 0000-03-01 to 1970-01-01 in that count

Microseconds = npt.NDArray[np.int64]
Decided = npt.NDArray[np.bool_]


def format_rfc3339(epoch_s: float, *, milliseconds: bool = False) -> str:
    """Format epoch seconds as RFC 3339 UTC: whole seconds (an interval's name) or with
    milliseconds (an event's ``occurred_at``)."""
    moment = datetime.fromtimestamp(round(epoch_s, 3), UTC)
    whole = f"{moment.year:04d}-" + moment.strftime("%m-%dT%H:%M:%S")  # %Y is not padded: year 1 is "1"
    return f"{whole}.{moment.microsecond // 1000:03d}Z" if milliseconds else f"{whole}Z"


def local_midnight(epoch_s: float, timezone: str) -> datetime:
    """The start of the local day holding a moment, in a time zone: "today" for the live
    figures, the day a simulated shift is planned on."""
    local = datetime.fromtimestamp(epoch_s, ZoneInfo(timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 timestamp with its offset ('Z', 'z' or +hh:mm); digits past
    microseconds are cut.

    Raises ValueError for a stamp without an offset, impossible dates (e.g. February 30) and
    offsets (minutes past 59, which datetime alone would carry into the hours).
    """
    if text[-6:-5] in ("+", "-") and text[-3:-2] == ":" and int(text[-2:]) > 59:
        raise ValueError("offset minutes must be in 0..59")
    moment = datetime.fromisoformat(text[:-1] + "Z" if text[-1:] == "z" else text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} needs an offset, e.g. 2026-11-23T09:15:02Z")
    return moment


def moments_us(stamps: Sequence[str]) -> tuple[Microseconds, Decided]:
    """Each stamp's epoch microseconds, and whether this decided it (valid, producers' shape);
    where it did not, the microseconds mean nothing and the stamp needs the scalar parse."""
    count = len(stamps)
    if not count:
        return np.zeros(0, np.int64), np.zeros(0, np.bool_)
    lengths = np.fromiter(map(len, stamps), np.int64, count)
    try:  # longer stamps are cut here, but their length already rules them out
        codes = np.array(stamps, dtype=f"S{len(_SHAPE)}").view(np.uint8).reshape(count, -1)
    except UnicodeEncodeError:
        wide = np.array(stamps, dtype=f"U{len(_SHAPE)}").view(np.uint32).reshape(count, -1)
        codes = np.where(wide < 128, wide, 0).astype(np.uint8)  # 0 fits no position
    digits = codes - _TEMPLATE  # wraps below zero, so one comparison checks each position
    decided = (lengths == len(_SHAPE)) & (digits < _LIMIT).all(axis=1)

    def number(first: int, last: int) -> npt.NDArray[np.int64]:
        value = digits[:, first].astype(np.int64)
        for position in range(first + 1, last + 1):
            value = value * 10 + digits[:, position]
        return value

    year, month, day = number(0, 3), number(5, 6), number(8, 9)
    hour, minute, second, milli = number(11, 12), number(14, 15), number(17, 18), number(20, 22)
    real_month = (month >= 1) & (month <= 12)
    month = np.where(real_month, month, 1)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last_day = _MONTH_DAYS[month] + (leap & (month == 2))
    decided &= (year >= 1) & real_month & (day >= 1) & (day <= last_day)
    decided &= (hour <= 23) & (minute <= 59) & (second <= 59)  # fromisoformat has no leap second
    march_year = year - (month <= 2)
    days = (
        365 * march_year + march_year // 4 - march_year // 100 + march_year // 400
        + _DAYS_BEFORE[month] + day - _UNIX_DAY
    )  # fmt: skip
    seconds = ((days * 24 + hour) * 60 + minute) * 60 + second
    return seconds * US_PER_S + milli * 1000, decided
