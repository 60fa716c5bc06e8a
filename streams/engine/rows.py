"""Turn engine vectors (integer microseconds) into the KPI rows every output shows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from pydantic import TypeAdapter

from schemas.breakdowns import AgentRow, ReasonRow
from schemas.kpi import KpiRow
from streams.engine.agent_time import AgentKey, occupancy
from streams.engine.contributions import COLUMNS, SECONDS_COLUMNS, ratios
from streams.engine.intervals import US_PER_S, iso_utc
from streams.engine.reasons import ReasonKey
from streams.engine.totals import RowKey

_ROWS = TypeAdapter(list[KpiRow])
_REASON_ROWS = TypeAdapter(list[ReasonRow])
_AGENT_ROWS = TypeAdapter(list[AgentRow])
CostLookup = Callable[[str, str, str], float | None]  # (client, queue, channel) -> hourly cost


def no_cost(_client: str, _queue: str, _channel: str) -> float | None:
    """No hourly cost anywhere: cost per contact stays null."""
    return None


def additive_values(vector: Sequence[int]) -> dict[str, float]:
    """Name the columns of a vector, with durations in seconds."""
    values: dict[str, float] = dict(zip(COLUMNS, vector, strict=True))
    for name in SECONDS_COLUMNS:
        values[name] /= US_PER_S
    return values


def _fields(
    key: RowKey, vector: Sequence[int], sl_formula: str, cost: CostLookup = no_cost
) -> dict[str, object]:
    client, queue, channel, start = key
    values: dict[str, object] = {"client": client, "queue": queue, "channel": channel,
                                 "interval_start": iso_utc(start)}  # fmt: skip
    additive = additive_values(vector)
    values.update(additive)
    values.update(ratios(additive, sl_formula, cost(client, queue, channel)))
    return values


def kpi_row(key: RowKey, vector: Sequence[int], sl_formula: str = "default") -> KpiRow:
    """Build the output row for one (client, queue, channel, interval_start)."""
    return KpiRow.model_validate(_fields(key, vector, sl_formula))


def output_rows(
    rows: Iterable[tuple[RowKey, Sequence[int]]], formula: Callable[[str], str], cost: CostLookup = no_cost
) -> list[KpiRow]:
    """Build many output rows, validated in one call (half the cost of one call per row);
    ``formula`` names each client's service-level formula, ``cost`` its hourly costs."""
    return _ROWS.validate_python([_fields(key, vector, formula(key[0]), cost) for key, vector in rows])


def reason_output_rows(
    rows: Iterable[tuple[ReasonKey, Sequence[int]]], formula: Callable[[str], str], cost: CostLookup = no_cost
) -> list[ReasonRow]:
    """The KPI rows of each wrap-up reason, in the order given."""
    built = []
    for (client, queue, channel, reason, start), vector in rows:
        fields = _fields((client, queue, channel, start), vector, formula(client), cost)
        fields["reason"] = reason
        built.append(fields)
    return _REASON_ROWS.validate_python(built)


def agent_output_rows(rows: Iterable[tuple[AgentKey, Sequence[int]]]) -> list[AgentRow]:
    """Agent rows with durations in seconds and their ratios, in the order given."""
    built = []
    for (client, queue, agent_id, start), vector in rows:
        available_us, busy_us, wrap_us, away_us, handled, handle_us, fcr, csat_n, csat_ok = vector
        available, busy, wrap = available_us / US_PER_S, busy_us / US_PER_S, wrap_us / US_PER_S
        built.append({
            "client": client, "queue": queue, "agent_id": agent_id, "interval_start": iso_utc(start),
            "available_s": available, "busy_s": busy, "wrap_s": wrap, "away_s": away_us / US_PER_S,
            "staffed_s": (available_us + busy_us + wrap_us + away_us) / US_PER_S,
            "handled": handled, "handle_s_sum": handle_us / US_PER_S, "fcr_success": fcr,
            "csat_responses": csat_n, "csat_satisfied": csat_ok,
            "aht_s": handle_us / US_PER_S / handled if handled else None,
            "fcr_rate": fcr / handled if handled else None,
            "csat": csat_ok / csat_n if csat_n else None,
            "occupancy": occupancy(busy, wrap, available),
        })  # fmt: skip
    return _AGENT_ROWS.validate_python(built)
