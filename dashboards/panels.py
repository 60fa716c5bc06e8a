"""Every dashboard panel's SQL, in one place: Grafana runs it, the tests run it and check it.

Queries use the ClickHouse plugin's macros ``$__timeFilter(col)``, ``$__fromTime`` and
``$__toTime`` on each table's primary-key time column, and the ``client``, ``timezone`` and
``grain`` variables through :func:`dashboards.sql_parts.variable`, safe whatever they hold. They
run on ClickHouse 18.16 and on chDB alike (no window functions, no ``toStartOfInterval``, no
DateTime64). "Now" is the end of the dashboard's time range.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dashboards.alert_sql import ALERTS_IN_RANGE, FIRING
from dashboards.effort_sql import EFFORT_BY_QUEUE, REASONS_RANKED
from dashboards.interpolation import expand_macros as expand_macros  # the tests' and benchmark's name
from dashboards.people_sql import AGENTS_OVER_RANGE, OCCUPANCY_BY_QUEUE, STAFFING, STATE_TIME_BY_QUEUE
from dashboards.sql_parts import (
    CHANNEL_COLUMNS,
    CLIENT,
    FORMULA,
    GRAIN,
    LAST_15,
    LAST_60,
    TARGETS,
    TIMEZONE,
    TODAY,
    UNTIL_NOW,
    asked_of_agents,
    meets_sql,
    misses_sql,
    ratio,
    service_level,
    status_sql,
    sums,
    waiting_at,
)
from dashboards.words import say
from schemas.translations import N_


@dataclass(frozen=True)
class Panel:
    text: str  # the title as a message of the dashboards catalog (dashboards.words)
    sql: str
    kind: str = "table"  # table | timeseries | stat | barchart
    unit: str = ""
    width: int = 24
    height: int = 8
    description: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # column -> unit override

    @property
    def title(self) -> str:
        """The English title: what the tests and the benchmark name a panel by."""
        return say(self.text, "en")


# The wallboard's words for no service level, green, amber and red; the resolution panel's for no
# value, met, (no amber) and missed, and for no target. Grafana shows them translated
# (dashboards.words.VALUES).
SL_LABELS = ("no calls", "in SLA", "at risk", "breached")
RESOLUTION_LABELS = ("none resolved", "met", "", "missed")
NO_TARGET = "no target"


def _wallboard_sl() -> str:
    m15, m60, day = sums(LAST_15), sums(LAST_60), sums(TODAY)
    return f"""SELECT client, queue, channel, sl_15m, sl_60m, sl_today, sl_target,
  {status_sql("service_level", "sl_today", "sl_target", SL_LABELS)} AS status
FROM (
  SELECT client, queue, channel,
    {service_level(m15)} AS sl_15m,
    {service_level(m60)} AS sl_60m,
    {service_level(day)} AS sl_today
  FROM kpi_minute FINAL {FORMULA}
  WHERE client = {CLIENT} AND interval_start >= toStartOfDay($__toTime, {TIMEZONE}) - 3600
    AND {UNTIL_NOW}
  GROUP BY client, queue, channel
) AS kpis
{TARGETS}
ORDER BY queue, channel"""


def _wallboard_today() -> str:
    s = sums("1")
    return f"""SELECT client, queue, channel,
  {s["offered"]} AS offered_today,
  {s["answered"]} AS answered_today,
  {s["abandoned"]} AS abandoned_today,
  {ratio(s["answered"], asked_of_agents(s))} AS answer_rate,
  {ratio(f"{s['abandoned']} - {s['short_abandoned']}", asked_of_agents(s))} AS abandon_rate,
  {ratio(s["self_served"], s["offered"])} AS self_service_rate,
  {ratio(s["wait_us_sum"], s["answered"])} / 1000000 AS asa_s,
  {ratio(s["handle_us_sum"], s["handled"])} / 1000000 AS aht_s
FROM kpi_minute FINAL
WHERE client = {CLIENT} AND {TODAY} AND {UNTIL_NOW}
GROUP BY client, queue, channel
ORDER BY queue, channel"""  # noqa: E501


WAITING_NOW = f"""SELECT client, queue, channel,
  count() AS waiting,
  max(toUInt32($__toTime) - intDiv(arrived_us, 1000000)) AS longest_wait_s
FROM contacts FINAL
WHERE client = {CLIENT} AND {waiting_at()}
GROUP BY client, queue, channel
ORDER BY queue, channel"""

AGENTS_BY_STATE = f"""SELECT queue, state, count() AS agents
FROM agent_states FINAL
WHERE client = {CLIENT} AND changed_at <= $__toTime
GROUP BY queue, state
ORDER BY queue, state"""


# The review's period: a day, or the Monday-started week or the month holding it, in the
# client's time zone (the grain variable: day, week or month).
PERIOD = (
    f"multiIf({GRAIN} = 'week', toMonday(toDate(interval_start, {TIMEZONE})), "
    f"{GRAIN} = 'month', toStartOfMonth(toDate(interval_start, {TIMEZONE})), "
    f"toDate(interval_start, {TIMEZONE}))"
)


def _by_day(select: str, where: str = "1") -> str:
    return f"""SELECT {PERIOD} AS day, {select}
FROM kpi_interval FINAL
WHERE client = {CLIENT} AND $__timeFilter(interval_start) AND {where}
GROUP BY day
ORDER BY day"""


def _client_day_sl() -> str:
    s = sums("1")
    attained = meets_sql("service_level", "service_level", "sl_target")
    return _by_day(
        f"""{service_level(s)} AS service_level,
  any(target) AS sl_target,
  if(service_level IS NULL, NULL, toUInt8({attained})) AS attained"""
    ).replace(
        "FROM kpi_interval FINAL",
        "FROM kpi_interval FINAL ANY LEFT JOIN (SELECT client, queue, channel, sl_target AS target, "
        "sl_formula FROM sla_targets FINAL) AS targets USING (client, queue, channel)",
    )


def _client_volume() -> str:
    return _by_day(
        ", ".join(f"sumIf(offered, channel = '{c}') AS {name}" for c, name in CHANNEL_COLUMNS.items())
    )


def _client_handling() -> str:
    s = sums("1")
    return _by_day(
        f"{ratio(s['handle_us_sum'], s['handled'])} / 1000000 AS aht_s, "
        f"{ratio(s['talk_us_sum'], s['handled'])} / 1000000 AS avg_talk_s"
    )


def _client_quality() -> str:
    s = sums("1")
    nps_net = f"toInt64({s['nps_promoters']}) - toInt64({s['nps_detractors']})"
    return _by_day(
        f"{ratio(s['fcr_success'], s['handled'])} AS fcr_rate, "
        f"{ratio(s['csat_satisfied'], s['csat_responses'])} AS csat, "
        f"100 * {ratio(nps_net, s['nps_responses'])} AS nps"
    )


def _client_effort() -> str:
    s = sums("1")
    return _by_day(
        f"{ratio(s['transferred'], s['answered'])} AS transfer_rate, "
        f"{ratio(s['surveyed'], s['handled'])} AS survey_response_rate, "
        f"{ratio(s['ces_sum'], s['ces_responses'])} AS ces"
    )


def _client_first_response() -> str:
    s = sums("1")
    return f"""SELECT channel,
  {s["first_responses"]} AS responses,
  {ratio(s["first_response_us_sum"], s["first_responses"])} / 1000000 AS avg_first_response_s,
  {ratio(s["first_responses_in_target"], s["first_responses"])} AS within_target
FROM kpi_interval FINAL
WHERE client = {CLIENT} AND $__timeFilter(interval_start) AND channel != 'call'
GROUP BY channel
ORDER BY channel"""


def _client_resolution() -> str:
    """Per channel: how many contacts a bot met (containment) and how long resolved contacts took,
    against the SLA file's resolution target where it sets one."""
    s = sums("1")
    average = f"{ratio(s['resolution_us_sum'], s['resolved'])} / 1000000"
    judged = status_sql("avg_resolution_s", "avg_resolution_s", "resolution_target_s", RESOLUTION_LABELS)
    return f"""SELECT channel, offered_n AS offered, self_served_n AS self_served, self_service_rate,
  resolved_n AS resolved, avg_resolution_s, resolution_target_s,
  if(resolution_target_s IS NULL, '{NO_TARGET}', {judged}) AS resolution
FROM (
  SELECT client, channel, {s["offered"]} AS offered_n, {s["self_served"]} AS self_served_n,
    {ratio(s["self_served"], s["offered"])} AS self_service_rate, {s["resolved"]} AS resolved_n,
    {average} AS avg_resolution_s  -- names unlike the columns': 18.16 would read them as the sums
  FROM kpi_interval FINAL
  WHERE client = {CLIENT} AND $__timeFilter(interval_start)
  GROUP BY client, channel
) AS channels
ANY LEFT JOIN (SELECT client, channel, max(resolution_target_s) AS resolution_target_s
               FROM sla_targets FINAL GROUP BY client, channel) AS targets USING (client, channel)
ORDER BY channel"""


def _client_breaches() -> str:
    s = sums("1")
    return f"""SELECT interval_start, queue, channel, service_level, sl_target, offered_count
FROM (
  SELECT interval_start, client, queue, channel,
    {service_level(s)} AS service_level, {s["offered"]} AS offered_count
  FROM kpi_interval FINAL {FORMULA}
  WHERE client = {CLIENT} AND $__timeFilter(interval_start)
  GROUP BY interval_start, client, queue, channel
) AS kpis
{TARGETS}
WHERE {misses_sql("service_level", "service_level", "sl_target")}
ORDER BY interval_start, queue, channel"""


EVENTS_PER_SECOND = """SELECT toStartOfMinute(occurred_at) AS t, count() / 60 AS events_per_s
FROM raw_events
WHERE $__timeFilter(occurred_at)
GROUP BY t
ORDER BY t"""

DEAD_LETTERS = """SELECT reason, count() AS messages
FROM dead_letters FINAL
WHERE $__timeFilter(received_at)
GROUP BY reason
ORDER BY messages DESC, reason"""

LATE_EVENTS = """SELECT multiIf(lag_s < 60, 'under 1 min', lag_s < 900, '1-15 min', lag_s < 3600, '15-60 min',
  lag_s < 86400, '1-24 h', 'over 24 h') AS lateness, count() AS events
FROM (
  SELECT toInt64(ingested_at) - toInt64(occurred_at) AS lag_s
  FROM raw_events
  WHERE $__timeFilter(occurred_at)
)
GROUP BY lateness
ORDER BY min(lag_s)"""

BEYOND_RETENTION = """SELECT client, toStartOfHour(occurred_at) AS hour, stage, reason, count() AS late_events
FROM late_events FINAL
WHERE $__timeFilter(occurred_at)
GROUP BY client, hour, stage, reason
ORDER BY hour, client, stage, reason"""

CONSUMER_LAG = """SELECT observed_at AS t, sum(lag) AS lag
FROM pipeline_lag
WHERE $__timeFilter(observed_at)
GROUP BY t
ORDER BY t"""

REPLAY_RUNS = """SELECT run_id, started_at, source, client, from_time, to_time, events, rows_differing, agrees
FROM replay_runs
WHERE $__timeFilter(started_at)
ORDER BY started_at DESC"""

# Titles are messages of the dashboards catalog, KPIs named through the vocabulary's placeholders
# (dashboards.words); the English is the message with the English words filled in.
DASHBOARDS: dict[str, tuple[str, list[Panel]]] = {
    "cckpi-wallboard": (
        N_("Supervisor wallboard"),
        [
            Panel(
                # Translators: a {kpi.name} or {kpi.short} placeholder is filled in with the KPI's
                # words from schemas/vocabulary.py: keep it as it is.
                N_("{service_level.name} by queue (15 min, 60 min, today)"),
                _wallboard_sl(),
                unit="percentunit",
            ),
            Panel("{waiting.name}", WAITING_NOW, width=12),
            Panel(N_("Agents by state"), AGENTS_BY_STATE, width=12),
            Panel(N_("Today by queue"), _wallboard_today()),
            Panel(N_("Alerts firing now"), FIRING),
            Panel(
                N_("Staffing: agents required (Erlang C) vs staffed, per interval"),
                STAFFING,
                description=N_(
                    "Required for the service-level target by Erlang C (chat traffic divided by the "
                    "chat concurrency; email: ceil(traffic)); staffed: the queue's agents' available, "
                    "busy, wrap and away time / 15 min."
                ),
            ),
        ],
    ),
    "cckpi-client-sla": (
        N_("Client SLA review"),
        [
            Panel(
                N_("{service_level.name} vs target, per day, week or month"),
                _client_day_sl(),
                kind="timeseries",
                unit="percentunit",
            ),  # fmt: skip
            Panel(N_("Volume by channel, per period"), _client_volume(), kind="barchart", width=12),
            Panel(
                N_("Handling time ({aht_s.short}, {avg_talk_s.short}), per period"),
                _client_handling(),
                kind="timeseries",
                unit="dthms",
                width=12,
            ),  # fmt: skip
            Panel(
                N_("{fcr_rate.short}, {csat.short} and {nps.short}, per period"),
                _client_quality(),
                kind="timeseries",
            ),  # fmt: skip
            Panel(N_("First response, written channels"), _client_first_response(), width=12),
            Panel(N_("Self-service and resolution time, by channel"), _client_resolution(), width=12),
            Panel(N_("Intervals that breached the SLA"), _client_breaches(), width=12),
            Panel(
                N_("Transfer rate, survey response rate and {ces.short}, per period"),
                _client_effort(),
                kind="timeseries",
            ),  # fmt: skip
            Panel(N_("Effort and cost per contact, by queue"), EFFORT_BY_QUEUE, width=12),
            Panel(N_("Top wrap-up reasons ({aht_s.short}, {fcr_rate.short})"), REASONS_RANKED, width=12),
        ],
    ),
    "cckpi-operations": (
        N_("Operations"),
        [
            Panel(N_("Events per second (event time)"), EVENTS_PER_SECOND, kind="timeseries", width=12),
            Panel(N_("Consumer lag"), CONSUMER_LAG, kind="timeseries", width=12),
            Panel(N_("Dead letters by reason"), DEAD_LETTERS, width=12),
            Panel(N_("Late events (received after occurring)"), LATE_EVENTS, kind="barchart", width=12),
            Panel(N_("Beyond the live retention: events to replay, by hour"), BEYOND_RETENTION, width=12),
            Panel(N_("Replay runs"), REPLAY_RUNS, width=12),
            Panel(N_("Alerts (started in the range)"), ALERTS_IN_RANGE),
        ],
    ),
    "cckpi-agents": (
        N_("Agents"),
        [
            Panel(
                N_("Agents over the range: state time, {occupancy.short}, {handled.short}, {aht_s.short}"),
                AGENTS_OVER_RANGE,
            ),  # fmt: skip
            Panel(
                N_("{occupancy.name} by queue"),
                OCCUPANCY_BY_QUEUE,
                kind="timeseries",
                unit="percentunit",
                width=12,
            ),  # fmt: skip
            Panel(
                N_("Agents in each state by queue (agent-intervals)"),
                STATE_TIME_BY_QUEUE,
                kind="timeseries",
                width=12,
            ),  # fmt: skip
        ],
    ),
}
