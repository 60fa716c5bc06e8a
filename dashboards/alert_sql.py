"""The alert rules of kpis.md as SQL, for Grafana's own alerting and for the alert panels.

Each rule query returns one row per scope (client, queue, channel; or the topic) with a single
number, ``holds`` (1 or 0), which is the shape Grafana alerting turns into one alert instance per
row; the thresholds come from ``sla_targets``, where the worker stores what the SLA file says.
The same rule functions in :mod:`streams.engine.alert_rules` decide the worker's alerts; a test holds
the two equal. "Now" is the end of the rule's time range (Grafana: the evaluation time).
"""

from __future__ import annotations

from dashboards.sql_parts import (
    CLIENT,
    NOW_US,
    SYNCHRONOUS_SQL,
    asked_of_agents,
    misses_sql,
    ratio,
    service_level,
    sums,
    waiting_at,
)

WINDOW = "interval_start >= $__toTime - 900 - toUInt32($__toTime) % 60 AND interval_start <= $__toTime"
LANE_SETTINGS = (
    "SELECT client, queue, channel, sl_formula, sl_threshold_s, sl_target, abandon_rate_max, "
    "alerts_enabled, alert_min_offered, alert_longest_wait_s FROM sla_targets FINAL"
)
_S = sums("1")


def _window_rule(holds: str) -> str:
    """A rule over the arrivals of the last 15 minutes (minute rows) of every lane."""
    return f"""SELECT client, queue, channel, toFloat64({holds}) AS holds
FROM (
  SELECT client, queue, channel, any(alerts_enabled) AS enabled, any(sl_threshold_s) AS threshold_s,
    any(sl_target) AS target, any(alert_min_offered) AS min_offered, any(abandon_rate_max) AS ceiling,
    {_S["offered"]} AS offered_15m,
    {service_level(_S)} AS service_level_15m,
    {ratio(f"{_S['abandoned']} - {_S['short_abandoned']}", asked_of_agents(_S))}
      AS abandon_rate_15m
  FROM kpi_minute FINAL ANY LEFT JOIN ({LANE_SETTINGS}) AS settings USING (client, queue, channel)
  WHERE {WINDOW}
  GROUP BY client, queue, channel
)
ORDER BY client, queue, channel"""


# An email threshold (hours) is longer than the window: the window says nothing about it yet.
SERVICE_LEVEL_RULE = _window_rule(
    "enabled = 1 AND threshold_s <= 900 AND offered_15m >= min_offered AND service_level_15m IS NOT NULL "
    f"AND {misses_sql('service_level', 'service_level_15m', 'target')}"
)
ABANDON_RATE_RULE = _window_rule(
    "enabled = 1 AND ceiling IS NOT NULL AND abandon_rate_15m IS NOT NULL AND "
    + misses_sql("abandon_rate", "abandon_rate_15m", "ceiling")
)

WAITING = f"""SELECT client, queue, channel, count() AS waiting,
    max(({NOW_US} - arrived_us) / 1000000) AS longest_wait_s
  FROM contacts FINAL
  WHERE {waiting_at()}
  GROUP BY client, queue, channel"""

LONGEST_WAIT_RULE = f"""SELECT client, queue, channel,
  toFloat64(alerts_enabled = 1 AND longest_wait_s > alert_longest_wait_s) AS holds
FROM ({WAITING}) AS waiting
ANY LEFT JOIN ({LANE_SETTINGS}) AS settings USING (client, queue, channel)
ORDER BY client, queue, channel"""

# A call or chat waiting while no agent of its queue is available (a backlog of written work is normal).
NO_AGENT_RULE = f"""SELECT client, queue, channel,
  toFloat64(alerts_enabled = 1 AND {SYNCHRONOUS_SQL} AND available = 0) AS holds
FROM (
  SELECT * FROM ({WAITING}) AS waiting
  ANY LEFT JOIN (SELECT client, queue, countIf(state = 'available') AS available
                 FROM agent_states FINAL GROUP BY client, queue) AS agents USING (client, queue)
) AS lanes
ANY LEFT JOIN ({LANE_SETTINGS}) AS settings USING (client, queue, channel)
ORDER BY client, queue, channel"""

LIMITS = (
    "(SELECT max(alert_max_lag) AS max_lag, max(alert_max_dead_letters_15m) AS max_dead "
    "FROM sla_targets FINAL)"
)
# The newest sample of each partition's lag (samples within the last 5 minutes: a stopped worker's
# last sample is not "now").
LAG_RULE = f"""SELECT topic, toFloat64(sum(lag) > (SELECT max_lag FROM {LIMITS})) AS holds
FROM (
  SELECT topic, kafka_partition, argMax(lag, observed_at) AS lag
  FROM pipeline_lag
  WHERE observed_at >= $__toTime - 300 AND observed_at <= $__toTime
  GROUP BY topic, kafka_partition
)
GROUP BY topic
ORDER BY topic"""

DEAD_LETTER_RULE = f"""SELECT toFloat64(count() > (SELECT max_dead FROM {LIMITS})) AS holds
FROM dead_letters FINAL
WHERE received_at >= $__toTime - 900 AND received_at <= $__toTime"""

RULES: dict[str, tuple[str, str]] = {
    "service_level": ("Service level below target (last 15 min)", SERVICE_LEVEL_RULE),
    "abandon_rate": ("Abandon rate above its ceiling (last 15 min)", ABANDON_RATE_RULE),
    "longest_wait": ("A contact waiting longer than the limit", LONGEST_WAIT_RULE),
    "no_agent_available": ("Calls or chats waiting with no agent available", NO_AGENT_RULE),
    "consumer_lag": ("Consumer lag above the limit", LAG_RULE),
    "dead_letters": ("Dead letters in the last 15 minutes above the limit", DEAD_LETTER_RULE),
}

FIRING = f"""SELECT started_at, rule, queue, channel, value, threshold
FROM alerts FINAL
WHERE client = {CLIENT} AND ended_us IS NULL
ORDER BY started_at, rule, queue, channel"""

ALERTS_IN_RANGE = """SELECT started_at, rule, client, queue, channel, value, threshold,
  if(ended_us IS NULL, 'firing', 'resolved') AS state,
  if(ended_us IS NULL, NULL, (ended_us - started_us) / 1000000) AS lasted_s
FROM alerts FINAL
WHERE $__timeFilter(started_at)
ORDER BY started_at DESC, rule, client, queue, channel"""
