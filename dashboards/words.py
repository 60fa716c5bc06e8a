"""What the dashboards say to a reader, in each language: column headers, the words for the values
the SQL returns (a status, a channel, an agent state), and the unit of each column.

Every text is a gettext message of the ``dashboards`` catalog (English is the message itself); a
KPI is named by the trade's vocabulary (:mod:`schemas.vocabulary`) through a placeholder such as
``{service_level.name}`` or ``{aht_s.short}``, so a panel reads "Niveau de service" in French
whatever the catalog says around it; channels and alert rules are the vocabulary's too. The SQL,
its column names and its values stay the same in every language: Grafana shows the words through
field overrides and value mappings.
"""

from __future__ import annotations

from functools import cache
from string import Formatter

from schemas.channels import CHANNELS
from schemas.translations import N_, gettext_for
from schemas.vocabulary import VOCABULARY, Language, Term, channel_name, rule_title, term
from streams.engine.alert_rules import LANE_RULES, PIPELINE_RULES

HEADERS: dict[str, str] = {
    "client": N_("Client"),
    "queue": N_("Queue"),
    "channel": N_("Channel"),
    "agent_id": N_("Agent"),
    "interval_start": N_("Interval"),
    "day": N_("Period"),
    "t": N_("Time"),
    "hour": N_("Hour"),
    "sl_15m": N_("{service_level.name}, 15 min"),  # Translators: keep {placeholders} as they are
    "sl_60m": N_("{service_level.name}, 60 min"),
    "sl_today": N_("{service_level.name}, today"),
    "sl_target": N_("Target"),
    "status": N_("SLA status"),
    "service_level": "{service_level.name}",
    "attained": N_("Target met"),
    "waiting": "{waiting.name}",
    "longest_wait_s": "{longest_wait_s.name}",
    "state": N_("State"),
    "agents": N_("Agents"),
    "offered": "{offered.name}",
    "offered_today": "{offered.name}",
    "offered_count": "{offered.name}",
    "answered_today": "{answered.name}",
    "abandoned_today": "{abandoned.name}",
    "handled_contacts": "{handled.name}",
    "self_served": "{self_served.name}",
    "resolved": "{resolved.name}",
    "answer_rate": "{answer_rate.name}",
    "abandon_rate": "{abandon_rate.name}",
    "self_service_rate": "{self_service_rate.name}",
    "asa_s": "{asa_s.name}",
    "aht_s": "{aht_s.name}",
    "avg_talk_s": "{avg_talk_s.name}",
    "fcr_rate": "{fcr_rate.name}",
    "csat": "{csat.name}",
    "nps": "{nps.name}",
    "ces": "{ces.name}",
    "transfer_rate": "{transfer_rate.name}",
    "survey_response_rate": "{survey_response_rate.name}",
    "cost_per_contact": "{cost_per_contact.name}",
    "currency": N_("Currency"),
    "responses": N_("First responses"),
    "avg_first_response_s": "{first_response_s.name}",
    "within_target": "{first_response_attainment.name}",
    "avg_resolution_s": "{avg_resolution_s.name}",
    "resolution_target_s": N_("Resolution target"),
    "resolution": N_("Resolution"),
    "reason": N_("Reason"),
    "occupancy": "{occupancy.name}",
    "required_agents": "{agents_required.name}",
    "staffed_agents": N_("Agents staffed"),
    "shortfall_agents": N_("Agents short"),
    "traffic_erlangs": N_("Traffic (Erlang)"),
    "staffed_h": N_("Staffed (h)"),
    "available_h": N_("Available (h)"),
    "busy_h": N_("Busy (h)"),
    "wrap_h": N_("Wrap-up (h)"),
    "away_h": N_("Away (h)"),
    "available_agents": N_("Agents available"),
    "busy_agents": N_("Agents busy"),
    "wrap_agents": N_("Agents in wrap-up"),
    "away_agents": N_("Agents away"),
    "calls": N_("Calls"),
    "chats": N_("Chats"),
    "emails": N_("Emails"),
    "messagings": N_("Messaging"),
    "socials": N_("Social media"),
    "forms": N_("Forms"),
    "started_at": N_("Started"),
    "rule": N_("Rule"),
    "value": N_("Value"),
    "threshold": N_("Threshold"),
    "lasted_s": N_("Lasted"),
    "events_per_s": N_("Events per second"),
    "lag": N_("Lag (messages)"),
    "messages": N_("Messages"),
    "lateness": N_("Lateness"),
    "events": N_("Events"),
    "stage": N_("Stage"),
    "late_events": N_("Late events"),
    "run_id": N_("Run"),
    "source": N_("Source"),
    "from_time": N_("From"),
    "to_time": N_("To"),
    "rows_differing": N_("Rows differing"),
    "agrees": N_("Agrees"),
}

# The values a column returns that are words (the SQL's own, kept in every language) -> shown as.
VALUES: dict[str, dict[str, str]] = {
    "status": {
        "no calls": N_("no calls"),
        "in SLA": N_("in SLA"),
        "at risk": N_("at risk"),
        "breached": N_("breached"),
    },
    "resolution": {
        "none resolved": N_("none resolved"),
        "met": N_("met"),
        "missed": N_("missed"),
        "no target": N_("no target"),
    },
    "state": {  # an agent's (agent_states) or an alert's (alerts)
        "available": N_("Available"),
        "busy": N_("Busy"),
        "wrap": N_("Wrap-up"),
        "away": N_("Away"),
        "offline": N_("Offline"),
        "firing": N_("Firing"),
        "resolved": N_("Resolved"),
    },
    "lateness": {"under 1 min": N_("under 1 min"), "over 24 h": N_("over 24 h")},
    "agrees": {"1": N_("yes"), "0": N_("no")},
}

# Values the vocabulary names, as every view names them: channels and alert rules.
NAMED: dict[str, tuple[str, ...]] = {"channel": CHANNELS, "rule": (*LANE_RULES, *PIPELINE_RULES)}


def named(column: str, value: str, language: Language) -> str:
    """A channel or a rule in ``language``, capitalised as a table cell shows it."""
    shown = channel_name(value, language) if column == "channel" else rule_title(value, language)
    return shown[:1].upper() + shown[1:]


# Grafana's unit of each column. Its time units ("s", "h") scale to English words ("2.5 hour",
# "1.2 day"), so durations are shown as hh:mm:ss ("dthms"), the trade's own way, in every language.
PERCENT = ("sl_15m", "sl_60m", "sl_today", "sl_target", "service_level", "answer_rate", "abandon_rate",
           "self_service_rate", "fcr_rate", "csat", "within_target", "transfer_rate",
           "survey_response_rate", "occupancy")  # fmt: skip
DURATIONS = ("longest_wait_s", "asa_s", "aht_s", "avg_talk_s", "avg_first_response_s",
             "avg_resolution_s", "resolution_target_s", "lasted_s")  # fmt: skip
UNITS: dict[str, str] = {**dict.fromkeys(PERCENT, "percentunit"), **dict.fromkeys(DURATIONS, "dthms")}

# The variables' labels and the review's periods (their values stay the SQL's).
CLIENT_LABEL = N_("Client")
PERIOD_LABEL = N_("Period")
PERIOD_WORDS: dict[str, str] = {"day": N_("day"), "week": N_("week"), "month": N_("month")}
# A KPI and its definition in a panel's description (Markdown; French puts a space before the colon).
DEFINITION = N_("**{name}**: {definition}")


@cache
def _terms(language: Language) -> dict[str, Term]:
    return {kpi: term(kpi, language) for kpi in VOCABULARY}


def say(message: str, language: Language) -> str:
    """A message in ``language``: the catalog's words, the vocabulary's KPI names filled in."""
    return gettext_for("dashboards", language)(message).format_map(_terms(language))


def kpis_of(message: str) -> list[str]:
    """The KPIs a message names through its placeholders, in order."""
    fields = (name for _, name, _, _ in Formatter().parse(message) if name)
    return list(dict.fromkeys(name.split(".")[0] for name in fields))


def glossary(kpis: list[str], language: Language) -> str:
    """The one-line definitions of ``kpis``, as a panel's description lists them (Markdown)."""
    line = gettext_for("dashboards", language)(DEFINITION)
    return "\n".join("- " + line.format(name=term(k, language).name, definition=term(k, language).definition)
                     for k in kpis)  # fmt: skip
