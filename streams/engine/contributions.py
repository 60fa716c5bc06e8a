"""KPI arithmetic of kpis.md: one contact's contribution to the additive columns.

Pure functions, no I/O: the Faust agents, replay and ``cckpi compute`` all call these.
Durations are integer microseconds, so sums are exact and order-independent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from schemas.channels import is_synchronous
from schemas.kpi import ADDITIVE_COLUMNS
from schemas.sla import Thresholds
from streams.engine.business_time import business_us
from streams.engine.contacts import ContactState

# Columns ending in "_s_sum" are held as integer microseconds inside the engine and in
# ClickHouse ("_us_sum"), and turned into seconds only at the edges.
COLUMNS: tuple[str, ...] = ADDITIVE_COLUMNS
WIDTH = len(COLUMNS)
IDX = {name: i for i, name in enumerate(COLUMNS)}
SECONDS_COLUMNS = frozenset(name for name in COLUMNS if name.endswith("_s_sum"))

OFFERED, ANSWERED, ANSWERED_IN_SL, WAIT = 0, 1, 2, 3
ABANDONED, SHORT_ABANDONED, ABANDONED_IN_SL, HANDLED = 4, 5, 6, 7
TALK, HOLD, WRAP, HANDLE, FCR = 8, 9, 10, 11, 12
FIRST_RESPONSES, FIRST_RESPONSE = 13, 14
CSAT_RESPONSES, CSAT_SATISFIED, NPS_RESPONSES, NPS_PROMOTERS, NPS_DETRACTORS = 15, 16, 17, 18, 19
FIRST_RESPONSES_IN_TARGET = 20
TRANSFERRED, SURVEYED, CES_RESPONSES, CES_SUM = 21, 22, 23, 24
SELF_SERVED, RESOLVED, RESOLUTION = IDX["self_served"], IDX["resolved"], IDX["resolution_s_sum"]
OUTBOUND_HANDLED, OUTBOUND_HANDLE = IDX["outbound_handled"], IDX["outbound_handle_s_sum"]

Vector = tuple[int, ...]
ThresholdLookup = Callable[[str, str, str], Thresholds]


def contribution(contact: ContactState, thresholds: ThresholdLookup) -> Vector | None:
    """Return what one contact adds to its arrival row, without FCR; None before arrival."""
    arrival = contact.arrival
    if arrival is None:
        return None
    v = [0] * WIDTH
    if arrival.outbound:  # kpis.md "Direction": the centre's own work counts in its two columns only
        ended = contact.ended
        if ended is not None:
            v[OUTBOUND_HANDLED] = 1
            v[OUTBOUND_HANDLE] = ended.talk_us + ended.hold_us + ended.wrap_us
        return tuple(v)
    rules = thresholds(contact.client, arrival.queue, arrival.channel)
    v[OFFERED] = 1
    if contact.answered is not None:
        wait = contact.answered[0] - arrival.at_us
        v[ANSWERED] = 1
        v[WAIT] = wait
        v[ANSWERED_IN_SL] = int(wait <= rules.sl_threshold_us)
        ended = contact.ended
        if ended is not None:
            v[HANDLED] = 1
            v[TALK] = ended.talk_us
            v[HOLD] = ended.hold_us
            v[WRAP] = ended.wrap_us
            v[HANDLE] = ended.talk_us + ended.hold_us + ended.wrap_us
            if ended.resolved:
                v[RESOLVED] = 1
                v[RESOLUTION] = ended.at_us - arrival.at_us
    elif contact.self_served is not None:  # no agent answered: a bot met the request
        v[SELF_SERVED] = 1
    elif contact.abandoned is not None:
        gave_up = contact.abandoned[0] - arrival.at_us
        v[ABANDONED] = 1
        v[SHORT_ABANDONED] = int(is_synchronous(arrival.channel) and gave_up < rules.short_abandon_us)
        v[ABANDONED_IN_SL] = int(gave_up <= rules.sl_threshold_us)
    if contact.replied is not None:
        v[FIRST_RESPONSES] = 1
        v[FIRST_RESPONSE] = contact.replied[0] - arrival.at_us
        target = rules.first_response_target_us
        if target is not None:
            if not is_synchronous(arrival.channel):  # a queue of work: the hours it is open
                waited = business_us(arrival.at_us, contact.replied[0], rules.business_hours, rules.timezone)
            else:
                waited = v[FIRST_RESPONSE]
            v[FIRST_RESPONSES_IN_TARGET] = int(waited <= target)
    survey = contact.survey
    if survey is not None:
        if survey.csat is not None:
            v[CSAT_RESPONSES] = 1
            v[CSAT_SATISFIED] = int(survey.csat >= 4)
        if survey.nps is not None:
            v[NPS_RESPONSES] = 1
            v[NPS_PROMOTERS] = int(survey.nps >= 9)
            v[NPS_DETRACTORS] = int(survey.nps <= 6)
        v[SURVEYED] = 1
        if survey.ces is not None:
            v[CES_RESPONSES] = 1
            v[CES_SUM] = survey.ces
    if contact.transferred is not None:
        v[TRANSFERRED] = 1
    return tuple(v)


def has_figures(vector: Sequence[int]) -> bool:
    """Whether a row has anything to show: an inbound contact arrived in it, or the centre
    handled an outbound one (a row whose contacts all moved away sums to zeros)."""
    return vector[OFFERED] > 0 or vector[OUTBOUND_HANDLED] > 0


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


def ratios(
    row: dict[str, float], sl_formula: str = "default", hourly_cost: float | None = None
) -> dict[str, float | None]:
    """Derive the ratios of kpis.md from additive columns (seconds); null on a zero denominator.

    ``hourly_cost`` is the loaded cost of one agent hour from the SLA file (None: unset)."""
    offered, short = row["offered"], row["short_abandoned"]
    answered, abandoned = row["answered"], row["abandoned"]
    in_sl, ab_in_sl = row["answered_in_sl"], row["abandoned_in_sl"]
    base = offered - short - row["self_served"]  # the contacts agents were asked to answer
    if sl_formula == "default":
        service_level = _ratio(in_sl, base)
    elif sl_formula == "abandons_in_sl_met":
        service_level = _ratio(in_sl + ab_in_sl, answered + abandoned)
    elif sl_formula == "answered_only":
        service_level = _ratio(in_sl, answered)
    elif sl_formula == "abandons_missed":
        service_level = _ratio(in_sl, answered + abandoned)
    elif sl_formula == "abandons_in_sl_excluded":
        service_level = _ratio(in_sl, answered + abandoned - ab_in_sl)
    else:
        raise KeyError(sl_formula)
    nps = _ratio(row["nps_promoters"] - row["nps_detractors"], row["nps_responses"])
    return {
        "answer_rate": _ratio(answered, base),
        "abandon_rate": _ratio(abandoned - short, base),
        "service_level": service_level,
        "asa_s": _ratio(row["wait_s_sum"], answered),
        "aht_s": _ratio(row["handle_s_sum"], row["handled"]),
        "avg_talk_s": _ratio(row["talk_s_sum"], row["handled"]),
        "fcr_rate": _ratio(row["fcr_success"], row["handled"]),
        "first_response_s": _ratio(row["first_response_s_sum"], row["first_responses"]),
        "csat": _ratio(row["csat_satisfied"], row["csat_responses"]),
        "nps": None if nps is None else 100 * nps,
        "first_response_attainment": _ratio(row["first_responses_in_target"], row["first_responses"]),
        "transfer_rate": _ratio(row["transferred"], answered),
        "ces": _ratio(row["ces_sum"], row["ces_responses"]),
        "survey_response_rate": _ratio(row["surveyed"], row["handled"]),
        "cost_per_contact": None
        if hourly_cost is None
        else _ratio(
            (row["handle_s_sum"] + row["outbound_handle_s_sum"]) / 3600 * hourly_cost,
            row["handled"] + row["outbound_handled"],
        ),
        "self_service_rate": _ratio(row["self_served"], offered),
        "avg_resolution_s": _ratio(row["resolution_s_sum"], row["resolved"]),
    }
