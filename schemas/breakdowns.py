"""Rows beside the KPI rows (kpis.md, "Additions to version 1"): by wrap-up reason, per agent,
and staffing (required agents by Erlang C next to staffed agents)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from schemas.kpi import OUTPUT_COLUMNS, KpiRow


class ReasonRow(KpiRow):
    """The KPI row of the handled contacts of one wrap-up reason."""

    reason: str


class AgentRow(BaseModel):
    """One agent's time and work in one queue and interval; durations in seconds."""

    model_config = ConfigDict(frozen=True)

    client: str
    queue: str
    agent_id: str
    interval_start: str
    available_s: float = 0.0
    busy_s: float = 0.0
    wrap_s: float = 0.0
    away_s: float = 0.0
    staffed_s: float = 0.0
    handled: int = 0
    handle_s_sum: float = 0.0
    fcr_success: int = 0
    csat_responses: int = 0
    csat_satisfied: int = 0
    aht_s: float | None = None
    fcr_rate: float | None = None
    csat: float | None = None
    occupancy: float | None = None


class StaffingRow(BaseModel):
    """Required agents (Erlang C; email: ceil of the traffic) and staffed agents, side by side."""

    model_config = ConfigDict(frozen=True)

    client: str
    queue: str
    channel: str
    interval_start: str
    offered: int
    aht_s: float | None  # the interval's, or the SLA file's target where nothing was handled
    traffic_erlangs: float | None
    required_agents: int | None  # None: no handling time known
    staffed_agents: float  # staffed time of the queue's agents / interval length
    shortfall_agents: float | None  # required - staffed where positive, else 0


REASON_COLUMNS: tuple[str, ...] = ("client", "queue", "channel", "reason", "interval_start") + OUTPUT_COLUMNS[
    4:
]
AGENT_ROW_COLUMNS: tuple[str, ...] = tuple(AgentRow.model_fields)
STAFFING_COLUMNS: tuple[str, ...] = tuple(StaffingRow.model_fields)
