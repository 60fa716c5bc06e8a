"""The panels' SQL judges targets by schemas.targets: its direction and its band, rendered."""

from __future__ import annotations

from dashboards.sql_parts import meets_sql, misses_sql, status_sql
from schemas.targets import AMBER_BAND

LABELS = ("no calls", "in SLA", "at risk", "breached")


def test_higher_is_better_with_the_band_below_the_target() -> None:
    assert meets_sql("service_level", "v", "t") == "v >= t"
    assert misses_sql("service_level", "v", "t") == "v < t"
    assert status_sql("service_level", "v", "t", LABELS) == (
        f"multiIf(v IS NULL, 'no calls', v >= t, 'in SLA', v >= t - {AMBER_BAND!r}, 'at risk', 'breached')"
    )


def test_lower_is_better_with_the_band_above_the_target() -> None:
    assert meets_sql("abandon_rate", "v", "t") == "v <= t"
    assert misses_sql("abandon_rate", "v", "t") == "v > t"
    assert status_sql("abandon_rate", "v", "t", LABELS) == (
        f"multiIf(v IS NULL, 'no calls', v <= t, 'in SLA', v <= t + {AMBER_BAND!r}, 'at risk', 'breached')"
    )


def test_a_kpi_without_a_band_is_green_or_red() -> None:
    rendered = status_sql("aht_s", "v", "t", LABELS)
    assert rendered == "multiIf(v IS NULL, 'no calls', v <= t, 'in SLA', 'breached')"
