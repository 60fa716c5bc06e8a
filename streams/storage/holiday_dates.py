"""The closed dates each client's holiday calendar gave, per year, as first resolved: what its
business time counts on, kept so that a later release of the ``holidays`` package never changes a
recomputed month (the SLA file's ``business_hours.holidays: {country: …}``)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date
from typing import Any

from schemas.sla import SlaSettings
from streams.storage.backends.protocol import ClickHouse

HOLIDAY_COLUMNS = ("client", "year", "days", "resolved_at")


def stored_holidays(store: ClickHouse) -> dict[tuple[str, int], list[date]]:
    """Every stored (client, year) and its closed dates."""
    rows = store.query("SELECT client, year, days FROM holiday_dates FINAL")
    return {(str(client), int(year)): [_day(day) for day in days] for client, year, days in rows}


def _day(value: object) -> date:
    """A stored date: a date from a server, ISO text from the embedded store's arrays."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def pin_stored_holidays(store: ClickHouse, sla: SlaSettings) -> None:
    """Hold every client's calendar to the dates stored for it (a replay recomputes with them)."""
    _pin(sla, stored_holidays(store))


def keep_holidays(store: ClickHouse, sla: SlaSettings, years: Iterable[int]) -> list[tuple[str, int]]:
    """Pin what is stored; resolve, store and pin ``years`` not stored yet. Returns what it stored."""
    stored = stored_holidays(store)
    _pin(sla, stored)
    fresh: list[list[Any]] = []
    for client, hours in sla.calendars():
        for year in years:
            if (client, year) not in stored:
                fresh.append([client, year, sorted(hours.holidays_of(year)), int(time.time())])
    if fresh:
        store.insert("holiday_dates", HOLIDAY_COLUMNS, fresh)
    return [(client, year) for client, year, _, _ in fresh]


def _pin(sla: SlaSettings, stored: dict[tuple[str, int], list[date]]) -> None:
    calendars = dict(sla.calendars())
    for (client, year), days in stored.items():
        hours = calendars.get(client)
        if hours is not None:
            hours.pin(year, days)
