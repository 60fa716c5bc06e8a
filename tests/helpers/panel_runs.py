"""Running a panel's SQL as Grafana would, on the store the dashboard tests seed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dashboards.panels import DASHBOARDS, expand_macros
from streams.storage.backends.protocol import ClickHouse
from tests.helpers.events import SIM_END, SIM_START

SLA_FILE = Path(__file__).resolve().parents[2] / "sla.example.yaml"
CLIENT, ZONE = "acme", "Europe/Zurich"
NOW = int(datetime(2026, 11, 23, 11, 7, tzinfo=UTC).timestamp())  # "now" for the wallboard
FROM, TO = int(SIM_START.timestamp()) - 3600, int(SIM_END.timestamp())


def sql_of(title: str) -> str:
    for _, panels in DASHBOARDS.values():
        for panel in panels:
            if panel.title == title:
                return panel.sql
    raise KeyError(title)


def run(
    store: ClickHouse, title: str, to: int = TO, start: int = FROM, grain: str = "day"
) -> list[tuple[Any, ...]]:
    variables = {"client": CLIENT, "timezone": ZONE, "grain": grain}
    return store.query(expand_macros(sql_of(title), start, to, variables))


def close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= 1e-9)
