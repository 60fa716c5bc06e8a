"""Client panels on effort, cost and reasons (kpis.md "Additions to version 1"): what a client
reviews beside its service level. They read only tables a client's reader sees."""

from __future__ import annotations

from dashboards.sql_parts import CLIENT, ratio, sums

_S = sums("1")

EFFORT_BY_QUEUE = f"""SELECT queue, channel, transfer_rate, ces, survey_response_rate,
  -- inbound and outbound work over inbound and outbound handled contacts (kpis.md "Direction")
  if(hourly_cost IS NULL, NULL, {ratio("handle_us * hourly_cost / 3600000000", "handled_n")}) AS cost_per_contact,
  currency
FROM (
  SELECT client, queue, channel,
    {ratio(_S["transferred"], _S["answered"])} AS transfer_rate,
    {ratio(_S["ces_sum"], _S["ces_responses"])} AS ces,
    {ratio(_S["surveyed"], _S["handled"])} AS survey_response_rate,
    {_S["handle_us_sum"]} + {_S["outbound_handle_us_sum"]} AS handle_us,
    {_S["handled"]} + {_S["outbound_handled"]} AS handled_n
  FROM kpi_interval FINAL
  WHERE client = {CLIENT} AND $__timeFilter(interval_start)
  GROUP BY client, queue, channel
) AS effort
ANY LEFT JOIN (SELECT client, queue, channel, hourly_cost, currency FROM sla_targets FINAL) AS costs
  USING (client, queue, channel)
ORDER BY queue, channel"""  # noqa: E501

REASONS_RANKED = f"""SELECT queue, channel, reason, {_S["handled"]} AS handled_contacts,
  {ratio(_S["handle_us_sum"], _S["handled"])} / 1000000 AS aht_s,
  {ratio(_S["fcr_success"], _S["handled"])} AS fcr_rate
FROM reason_interval FINAL
WHERE client = {CLIENT} AND $__timeFilter(interval_start)
GROUP BY queue, channel, reason
ORDER BY handled_contacts DESC, queue, channel, reason
LIMIT 10"""  # as the client report ranks them
