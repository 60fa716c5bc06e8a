"""Turn engine vectors (integer microseconds) into the KPI rows every output shows."""

from __future__ import annotations

from collections.abc import Sequence

from schemas.kpi import KpiRow
from streams.intervals import iso_utc
from streams.kpi import COLUMNS, SECONDS_COLUMNS, ratios
from streams.totals import RowKey


def additive_values(vector: Sequence[int]) -> dict[str, float]:
    """Name the columns of a vector, with durations in seconds."""
    values: dict[str, float] = dict(zip(COLUMNS, vector, strict=True))
    for name in SECONDS_COLUMNS:
        values[name] /= 1_000_000
    return values


def kpi_row(key: RowKey, vector: Sequence[int], sl_formula: str = "default") -> KpiRow:
    """Build the output row for one (client, queue, channel, interval_start)."""
    client, queue, channel, start = key
    values = additive_values(vector)
    return KpiRow(
        client=client,
        queue=queue,
        channel=channel,
        interval_start=iso_utc(start),
        **values,
        **ratios(values, sl_formula),
    )
