"""KPI rows (kpis.md): the additive columns stored for every row, and the derived ratios."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class AdditiveColumns(BaseModel):
    """The stored sums; field order here is the storage order everywhere."""

    model_config = ConfigDict(frozen=True)

    offered: int = 0
    answered: int = 0
    answered_in_sl: int = 0
    wait_s_sum: float = 0.0
    abandoned: int = 0
    short_abandoned: int = 0
    abandoned_in_sl: int = 0
    handled: int = 0
    talk_s_sum: float = 0.0
    hold_s_sum: float = 0.0
    wrap_s_sum: float = 0.0
    handle_s_sum: float = 0.0
    fcr_success: int = 0
    first_responses: int = 0
    first_response_s_sum: float = 0.0
    csat_responses: int = 0
    csat_satisfied: int = 0
    nps_responses: int = 0
    nps_promoters: int = 0
    nps_detractors: int = 0
    # Beyond the contract's columns: first responses within the SLA file's target
    # (email in business time), for first-response attainment.
    first_responses_in_target: int = 0
    # Additions to version 1: transfers and customer effort.
    transferred: int = 0
    surveyed: int = 0
    ces_responses: int = 0
    ces_sum: int = 0
    # Additions to version 1, second set: self-service, resolution time, and the centre's own
    # outbound contacts (which count in no other column).
    self_served: int = 0
    resolved: int = 0
    resolution_s_sum: float = 0.0
    outbound_handled: int = 0
    outbound_handle_s_sum: float = 0.0


class Ratios(BaseModel):
    """Derived at query time from the sums; None where the denominator is 0."""

    model_config = ConfigDict(frozen=True)

    answer_rate: float | None = None
    abandon_rate: float | None = None
    service_level: float | None = None
    asa_s: float | None = None
    aht_s: float | None = None
    avg_talk_s: float | None = None
    fcr_rate: float | None = None
    first_response_s: float | None = None
    first_response_attainment: float | None = None
    csat: float | None = None
    nps: float | None = None
    transfer_rate: float | None = None
    ces: float | None = None
    survey_response_rate: float | None = None
    cost_per_contact: float | None = None  # in the SLA file's currency; None where no hourly cost is set
    self_service_rate: float | None = None  # containment: self-served of offered
    avg_resolution_s: float | None = None


class KpiRow(AdditiveColumns, Ratios):
    """One (client, queue, channel, interval_start) row as every output presents it."""

    client: str
    queue: str
    channel: str
    interval_start: str  # RFC 3339 UTC


ADDITIVE_COLUMNS: tuple[str, ...] = tuple(AdditiveColumns.model_fields)
RATIO_COLUMNS: tuple[str, ...] = tuple(Ratios.model_fields)
KEY_COLUMNS: tuple[str, ...] = ("client", "queue", "channel", "interval_start")
OUTPUT_COLUMNS: tuple[str, ...] = KEY_COLUMNS + ADDITIVE_COLUMNS + RATIO_COLUMNS
