"""Elapsed business time between two instants, in a client's time zone and opening hours.

Email first response is measured this way: an email received on Friday evening and
answered on Monday at 09:30 with opening hours from 09:00 waited 30 business minutes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from schemas.sla import BusinessHours
from streams.engine.intervals import US_PER_S as US


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _local_us(day: datetime, minute: int, zone: ZoneInfo) -> int:
    """Epoch microseconds of a local wall-clock minute of a day (DST-aware; 24:00 is next day)."""
    moment = (day + timedelta(minutes=minute)).replace(tzinfo=zone)
    return int(moment.timestamp()) * US


def opening_intervals(first: date, last: date, hours: BusinessHours, timezone: str) -> list[tuple[int, int]]:
    """The open stretches of the local days ``first`` to ``last``, epoch microseconds
    ``(open, close)``, one per day and opening range (holidays closed)."""
    zone = _zone(timezone)
    out = []
    day = first
    while day <= last:
        if not hours.closed_on(day):
            midnight = datetime(day.year, day.month, day.day)
            for open_min, close_min in hours.minutes(day.weekday()):
                out.append((_local_us(midnight, open_min, zone), _local_us(midnight, close_min, zone)))
        day += timedelta(days=1)
    return out


def local_date(at_us: int, timezone: str) -> date:
    return datetime.fromtimestamp(at_us / US, _zone(timezone)).date()


def business_us(start_us: int, end_us: int, hours: BusinessHours | None, timezone: str) -> int:
    """Open time inside [start, end), in microseconds; with no opening hours, all of it counts."""
    if end_us <= start_us:
        return 0
    if hours is None:
        return end_us - start_us
    first, last = local_date(start_us, timezone), local_date(end_us, timezone)
    return sum(
        max(0, min(end_us, close) - max(start_us, opening))
        for opening, close in opening_intervals(first, last, hours, timezone)
    )
