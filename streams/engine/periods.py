"""Days, weeks and months in a client's time zone, as sums of 15-minute UTC interval rows.

Fifteen-minute UTC intervals tile every time zone in use, so a local day is an exact set of
intervals and its figures are sums of their additive columns, never averages of ratios.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from schemas.kpi import ADDITIVE_COLUMNS, KpiRow
from streams.engine.contributions import ratios
from streams.engine.intervals import parse_iso


def month_bounds(period: str, timezone: str) -> tuple[int, int]:
    """Epoch seconds [start, end) of a month 'YYYY-MM' in a time zone."""
    try:
        year, month = (int(part) for part in period.split("-"))
        first = date(year, month, 1)
    except ValueError as error:
        raise ValueError(f"period {period!r}: use YYYY-MM, e.g. 2026-10") from error
    following = date(year + month // 12, month % 12 + 1, 1)
    zone = ZoneInfo(timezone)
    start = datetime(first.year, first.month, 1, tzinfo=zone)
    end = datetime(following.year, following.month, 1, tzinfo=zone)
    return int(start.timestamp()), int(end.timestamp())


def local_day(interval_start: str, timezone: str) -> date:
    return datetime.fromtimestamp(parse_iso(interval_start), ZoneInfo(timezone)).date()


def days_of(start_s: int, end_s: int, timezone: str) -> list[date]:
    zone = ZoneInfo(timezone)
    day, last = datetime.fromtimestamp(start_s, zone).date(), datetime.fromtimestamp(end_s - 1, zone).date()
    out = []
    while day <= last:
        out.append(day)
        day += timedelta(days=1)
    return out


def sum_rows(
    rows: Iterable[KpiRow], sl_formula: str = "default", hourly_cost: float | None = None
) -> dict[str, float | None]:
    """Sum the additive columns of rows and derive the ratios from the sums."""
    totals: dict[str, float] = defaultdict(int)  # counts stay integers
    for row in rows:
        for name in ADDITIVE_COLUMNS:
            totals[name] += getattr(row, name)
    sums = {name: totals[name] for name in ADDITIVE_COLUMNS}
    return {**sums, **ratios(sums, sl_formula, hourly_cost)}


def by_day(
    rows: Iterable[KpiRow],
    timezone: str,
    sl_formula: str = "default",
    hourly_cost: Callable[[str, str], float | None] = lambda _queue, _channel: None,
) -> dict[tuple[date, str, str], dict[str, float | None]]:
    """Figures per (local day, queue, channel); ``hourly_cost`` per (queue, channel)."""
    groups: dict[tuple[date, str, str], list[KpiRow]] = defaultdict(list)
    for row in rows:
        groups[(local_day(row.interval_start, timezone), row.queue, row.channel)].append(row)
    return {
        key: sum_rows(group, sl_formula, hourly_cost(key[1], key[2])) for key, group in sorted(groups.items())
    }
