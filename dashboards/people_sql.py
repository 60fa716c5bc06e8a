"""Panels about people: the agents a lane needs (Erlang C) next to those staffed, and what each
agent's time went to (kpis.md "Agents", "Staffing"). Supervisors' panels: agent rows are not
among the tables a client's reader sees."""

from __future__ import annotations

from dashboards.erlang_sql import required_agents_sql
from dashboards.sql_parts import CLIENT, SYNCHRONOUS_SQL, ratio
from streams.engine.intervals import INTERVAL_S
from streams.engine.staffing import MAX_TARGET

STAFFED_US = "available_us + busy_us + wrap_us + away_us"  # offline is not staffed
WORKING_US = "busy_us + wrap_us"
OCCUPIED_BASE_US = "available_us + busy_us + wrap_us"


def _staffing() -> str:
    required = required_agents_sql(
        "greatest(ifNull(traffic_erlangs, 0), 1e-9)", "sl_threshold_s", "ifNull(aht_s, 1)", "target"
    )
    return f"""SELECT interval_start, queue, channel, offered, aht_s, traffic_erlangs,
  multiIf(offered = 0, toNullable(toUInt64(0)), aht_s IS NULL OR aht_s <= 0, NULL,
          NOT {SYNCHRONOUS_SQL}, toNullable(toUInt64(ceil(traffic_erlangs))), toNullable({required})) AS required_agents,
  staffed_agents,
  if(required_agents IS NULL, NULL, greatest(0, required_agents - staffed_agents)) AS shortfall_agents
FROM (
  SELECT interval_start, client, queue, channel, offered, aht_s, sl_threshold_s, target, staffed_agents,
    multiIf(offered = 0, 0, aht_s IS NULL OR aht_s <= 0, NULL,
            offered * aht_s / {INTERVAL_S} / if(channel = 'chat', chat_concurrency, 1)) AS traffic_erlangs
  FROM (
    SELECT interval_start, client, queue, channel, offered, sl_threshold_s,
      least(sl_target, {MAX_TARGET}) AS target, chat_concurrency,
      if(handled = 0, aht_target_s, handle_us / handled / 1000000) AS aht_s
    FROM (
      SELECT interval_start, client, queue, channel, sum(offered) AS offered, sum(handled) AS handled,
        sum(handle_us_sum) AS handle_us
      FROM kpi_interval FINAL
      WHERE client = {CLIENT} AND $__timeFilter(interval_start)
      GROUP BY interval_start, client, queue, channel
    ) AS lanes
    ANY LEFT JOIN (SELECT client, queue, channel, sl_threshold_s, sl_target, aht_target_s, chat_concurrency
                   FROM sla_targets FINAL) AS targets USING (client, queue, channel)
  ) AS lanes_targets
  ANY LEFT JOIN (
    SELECT client, queue, interval_start, sum({STAFFED_US}) / 1000000 / {INTERVAL_S} AS staffed_agents
    FROM agent_interval FINAL
    WHERE client = {CLIENT} AND $__timeFilter(interval_start)
    GROUP BY client, queue, interval_start
  ) AS staffed USING (client, queue, interval_start)
)
ORDER BY interval_start, queue, channel"""  # noqa: E501


STAFFING = _staffing()

AGENTS_OVER_RANGE = f"""SELECT agent_id, queue,
  sum({STAFFED_US}) / 3600000000 AS staffed_h,
  sum(available_us) / 3600000000 AS available_h,
  sum(busy_us) / 3600000000 AS busy_h,
  sum(wrap_us) / 3600000000 AS wrap_h,
  sum(away_us) / 3600000000 AS away_h,
  {ratio(f"sum({WORKING_US})", f"sum({OCCUPIED_BASE_US})")} AS occupancy,
  sum(handled) AS handled_contacts,
  {ratio("sum(handle_us_sum)", "sum(handled)")} / 1000000 AS aht_s,
  {ratio("sum(fcr_success)", "sum(handled)")} AS fcr_rate,
  {ratio("sum(csat_satisfied)", "sum(csat_responses)")} AS csat
FROM agent_interval FINAL
WHERE client = {CLIENT} AND $__timeFilter(interval_start)
GROUP BY agent_id, queue
HAVING sum({STAFFED_US}) > 0 OR sum(handled) > 0
ORDER BY queue, agent_id"""

OCCUPANCY_BY_QUEUE = f"""SELECT interval_start, queue,
  {ratio(f"sum({WORKING_US})", f"sum({OCCUPIED_BASE_US})")} AS occupancy
FROM agent_interval FINAL
WHERE client = {CLIENT} AND $__timeFilter(interval_start)
GROUP BY interval_start, queue
ORDER BY interval_start, queue"""

STATE_TIME_BY_QUEUE = f"""SELECT interval_start, queue,
  sum(available_us) / 1000000 / {INTERVAL_S} AS available_agents,
  sum(busy_us) / 1000000 / {INTERVAL_S} AS busy_agents,
  sum(wrap_us) / 1000000 / {INTERVAL_S} AS wrap_agents,
  sum(away_us) / 1000000 / {INTERVAL_S} AS away_agents
FROM agent_interval FINAL
WHERE client = {CLIENT} AND $__timeFilter(interval_start)
GROUP BY interval_start, queue
ORDER BY interval_start, queue"""
