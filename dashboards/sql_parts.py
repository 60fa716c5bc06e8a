"""The SQL pieces every panel is built from: the dashboard variables, NULL-safe ratios, sums of the
additive columns, the client's service-level formula and the time windows of the wallboard (18.16
and chDB alike)."""

from __future__ import annotations

from schemas.channels import CHANNELS, SYNCHRONOUS
from schemas.targets import rule


def variable(name: str) -> str:
    """A dashboard variable's value as a ClickHouse string literal, whatever the value holds.

    Grafana pastes variables into the SQL as text (the ClickHouse plugin's own format leaves one
    value as it is), and a viewer can put any value in the URL (``?var-client=...``). The
    ``sqlstring`` format doubles quotes, which is not enough for ClickHouse: it reads a backslash
    in a literal as an escape, so the value ``\\' OR 1 --`` becomes ``'\\'' OR 1 --'`` and runs.
    ``percentencode`` leaves only letters, digits and ``-_.~%``, and ClickHouse decodes them back.
    For single-value variables (a multi-value one would need an array).
    """
    return f"decodeURLComponent('${{{name}:percentencode}}')"


# The channels whose customers wait on the line (short abandons, Erlang C, no-agent alerts).
SYNCHRONOUS_SQL = f"channel IN ({', '.join(repr(c) for c in sorted(SYNCHRONOUS))})"
# One column per channel, as the volume panels show them: calls, chats, emails, ...
CHANNEL_COLUMNS = {channel: f"{channel}s" for channel in CHANNELS}

NOW_US = "toInt64(toUInt32($__toTime)) * 1000000"  # the dashboard's "to", in event microseconds


def waiting_at(now_us: str = NOW_US) -> str:
    """The stored contacts waiting for an agent at ``now_us`` (as the worker's waiting now): an
    inbound arrival, by then neither answered, abandoned, met by a bot nor ended."""
    slots = ("answered_us", "abandoned_us", "self_served_us", "ended_us")
    gone = " AND ".join(f"({slot} IS NULL OR {slot} > {now_us})" for slot in slots)
    return (
        "interval_start >= $__toTime - 86400 AND interval_start <= $__toTime AND outbound = 0 "
        f"AND arrived_us IS NOT NULL AND arrived_us <= {now_us} AND {gone}"
    )


CLIENT = variable("client")
TIMEZONE = variable("timezone")
GRAIN = variable("grain")  # day, week or month


def ratio(numerator: str, denominator: str) -> str:
    """A ratio that is NULL (not 0, not an error) on a zero denominator, on 18.16 too."""
    return f"if(({denominator}) = 0, NULL, ({numerator}) / ({denominator}))"


ADDITIVE = (
    "offered", "answered", "answered_in_sl", "abandoned", "short_abandoned", "abandoned_in_sl",
    "handled", "fcr_success", "csat_responses", "csat_satisfied", "nps_responses", "nps_promoters",
    "nps_detractors", "first_responses", "first_responses_in_target", "transferred", "surveyed",
    "ces_responses", "ces_sum", "wait_us_sum", "handle_us_sum", "talk_us_sum", "first_response_us_sum",
    "self_served", "resolved", "resolution_us_sum", "outbound_handled", "outbound_handle_us_sum",
)  # fmt: skip


def asked_of_agents(s: dict[str, str]) -> str:
    """The contacts agents were asked to answer (kpis.md): offered less short abandons and the
    contacts a bot met; the denominator of the answer rate, the abandon rate and the default
    service level."""
    return f"{s['offered']} - {s['short_abandoned']} - {s['self_served']}"


def meets_sql(kpi: str, value: str, target: str) -> str:
    """Whether ``value`` meets ``target`` as SQL, the way :func:`schemas.targets.meets` judges it."""
    return f"{value} {'>=' if rule(kpi).higher_is_better else '<='} {target}"


def misses_sql(kpi: str, value: str, target: str) -> str:
    """Whether ``value`` misses ``target`` as SQL (NULL where either is NULL, like ``meets``)."""
    return f"{value} {'<' if rule(kpi).higher_is_better else '>'} {target}"


def status_sql(kpi: str, value: str, target: str, labels: tuple[str, str, str, str]) -> str:
    """:func:`schemas.targets.status` as SQL: the labels for no value, green, amber and red."""
    unknown, green, amber, red = (f"'{label}'" for label in labels)
    judged = rule(kpi)
    arms = [f"{value} IS NULL", unknown, meets_sql(kpi, value, target), green]
    if judged.amber_band is not None:
        edge = f"{target} {'-' if judged.higher_is_better else '+'} {judged.amber_band!r}"
        arms += [meets_sql(kpi, value, edge), amber]
    return f"multiIf({', '.join(arms)}, {red})"


def sums(condition: str) -> dict[str, str]:
    """Conditional sums of the additive columns over the rows matching ``condition``."""
    return {c: f"sumIf({c}, {condition})" for c in ADDITIVE}


def service_level(s: dict[str, str], formula: str = "any(sl_formula)") -> str:
    """The client's service-level formula (kpis.md), chosen in SQL: ``formula`` is the
    expression giving it (rows joined with :data:`FORMULA`)."""
    in_sl, ab_in_sl = s["answered_in_sl"], s["abandoned_in_sl"]
    handled_or_left = f"{s['answered']} + {s['abandoned']}"
    return f"""multiIf(
    {formula} = 'abandons_in_sl_met', {ratio(f"{in_sl} + {ab_in_sl}", handled_or_left)},
    {formula} = 'answered_only', {ratio(in_sl, s["answered"])},
    {formula} = 'abandons_missed', {ratio(in_sl, handled_or_left)},
    {formula} = 'abandons_in_sl_excluded', {ratio(in_sl, f"{handled_or_left} - {ab_in_sl}")},
    {ratio(in_sl, asked_of_agents(s))})"""


# Each row with its client's service-level formula (rows of a lane not yet in sla_targets: default).
FORMULA = (
    "ANY LEFT JOIN (SELECT client, queue, channel, sl_formula FROM sla_targets FINAL) AS formulas "
    "USING (client, queue, channel)"
)
TARGETS = "ANY LEFT JOIN (SELECT client, queue, channel, sl_target, abandon_rate_max, aht_target_s, fcr_target, csat_target, first_response_target_s FROM sla_targets FINAL) AS targets USING (client, queue, channel)"  # noqa: E501

LAST_15 = "interval_start >= $__toTime - 900"
LAST_60 = "interval_start >= $__toTime - 3600"
TODAY = f"interval_start >= toStartOfDay($__toTime, {TIMEZONE})"
UNTIL_NOW = "interval_start <= $__toTime"
