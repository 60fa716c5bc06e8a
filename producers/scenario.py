"""The simulated contact centre: clients, queues, staffing and behaviour, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# Share of a day's contacts arriving in each local hour: quiet nights, a morning peak,
# a lunch dip and an afternoon peak (the usual inbound shape).
HOUR_CURVE: tuple[float, ...] = (
    0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 1.0, 2.5, 5.5, 8.0, 8.5, 7.5,
    6.0, 6.5, 7.5, 7.8, 7.0, 6.0, 4.5, 3.0, 2.0, 1.4, 0.9, 0.5,
)  # fmt: skip


@dataclass(frozen=True)
class Handling:
    """Log-normal durations (median seconds, shape sigma) for one channel."""

    talk_median_s: float
    talk_sigma: float
    hold_share: float  # share of contacts put on hold
    hold_median_s: float
    wrap_median_s: float
    wrap_sigma: float
    patience_median_s: float  # how long a customer waits before giving up (inf: never)
    resolve_rate: float
    capacity: int = 1  # contacts an agent handles at once


HANDLING: dict[str, Handling] = {
    "call": Handling(240, 0.6, 0.25, 45, 35, 0.5, 75, 0.78),
    "chat": Handling(420, 0.5, 0.0, 0, 40, 0.5, 110, 0.72, capacity=3),
    "email": Handling(360, 0.7, 0.0, 0, 60, 0.5, float("inf"), 0.70),
    # Messaging apps: several conversations at once; a customer may withdraw after hours.
    "messaging": Handling(300, 0.6, 0.0, 0, 30, 0.5, 6 * 3600, 0.75, capacity=3),
    # Public posts and mentions: short answers, never withdrawn; web forms read like emails.
    "social": Handling(180, 0.6, 0.0, 0, 30, 0.5, float("inf"), 0.80, capacity=2),
    "form": Handling(300, 0.7, 0.0, 0, 45, 0.5, float("inf"), 0.70),
}
# Channels whose customers arrive on another daily curve than HOUR_CURVE's: messaging and social
# peak in the evening, after work; forms come in all day and night.
CHANNEL_CURVES: dict[str, tuple[float, ...]] = {
    "messaging": (0.6, 0.3, 0.2, 0.1, 0.1, 0.2, 0.6, 1.5, 3.0, 4.5, 5.0, 5.2,
                  6.0, 5.5, 5.0, 5.0, 5.5, 6.5, 7.5, 8.5, 8.8, 7.5, 4.5, 1.8),
    "social": (1.0, 0.6, 0.3, 0.2, 0.2, 0.4, 1.0, 2.5, 4.0, 4.5, 4.5, 5.0,
               6.0, 5.5, 4.8, 4.8, 5.2, 6.0, 6.8, 7.5, 7.5, 6.5, 4.0, 2.0),
    "form": (1.5, 1.0, 0.8, 0.6, 0.6, 1.0, 2.0, 3.5, 5.0, 5.5, 5.5, 5.0,
             4.5, 5.0, 5.2, 5.0, 4.5, 4.0, 3.5, 3.5, 3.2, 3.0, 2.5, 2.0),
}  # fmt: skip


def curve_of(channel: str) -> tuple[float, ...]:
    """The share of a day's contacts arriving in each local hour, for a channel."""
    return CHANNEL_CURVES.get(channel, HOUR_CURVE)


@dataclass(frozen=True)
class Team:
    """Agents of one client serving one queue on one channel."""

    queue: str
    channel: str
    daily_contacts: float
    agents: int
    shift: tuple[int, int] = (7, 20)  # local hours logged in
    bot_share: float = 0.0  # arrivals a bot takes first (it closes some, hands the rest over)


@dataclass(frozen=True)
class Client:
    name: str
    timezone: str
    teams: tuple[Team, ...]
    customers: int  # the base new contacts are drawn from (large: chance repeats stay rare)


@dataclass(frozen=True)
class Behaviour:
    """Customer behaviour shared by all clients."""

    repeat_if_unresolved: float = 0.55
    repeat_if_resolved: float = 0.08
    repeat_median_s: float = 6 * 3600
    survey_rate: float = 0.3
    transfer_rate: float = 0.05
    break_rate_per_hour: float = 0.25  # agents stepping away
    break_median_s: float = 600
    reason_rate: float = 0.9  # contacts the agent gives a wrap-up code
    ces_rate: float = 0.5  # surveys that also ask for customer effort
    comment_rate: float = 0.2  # surveys with a comment
    lunch: tuple[float, float] = (11.5, 13.5)  # local hours in which each agent's lunch starts
    lunch_median_s: float = 40 * 60  # a dip in staffing while demand stays up: the SL suffers
    bot_resolve_rate: float = 0.6  # of the contacts a bot takes, those it closes itself
    callback_rate: float = 0.3  # unresolved calls an agent calls back (outbound) when free
    callback_median_s: float = 30 * 60


# Wrap-up codes per queue with their weights; a queue not listed uses GENERIC_REASONS.
REASONS: dict[str, tuple[tuple[str, float], ...]] = {
    "billing": (("invoice-question", 5), ("payment-failed", 3), ("refund", 2), ("address-change", 1)),
    "support": (("how-to", 5), ("password-reset", 4), ("bug-report", 2), ("outage", 1)),
    "sales": (("new-order", 4), ("quote", 3), ("upgrade", 2), ("cancellation", 1)),
    "service": (("delivery-status", 5), ("return", 3), ("complaint", 2)),
    "helpdesk": (("password-reset", 4), ("access-request", 3), ("software-install", 3), ("hardware", 2)),
    "care": (("order-status", 5), ("delivery-change", 3), ("complaint", 2)),
    "social": (("praise", 2), ("complaint", 3), ("product-question", 4)),
    "web": (("contact-request", 4), ("quote", 2), ("data-request", 1)),
}
GENERIC_REASONS: tuple[tuple[str, float], ...] = (("general-enquiry", 1),)
COMMENTS: dict[bool, tuple[str, ...]] = {  # by whether the customer was pleased
    True: ("Quick and friendly, thank you.", "Solved on the first try.", "Very helpful agent."),
    False: ("I waited far too long.", "Still not fixed.", "I had to explain everything twice."),
}


@dataclass(frozen=True)
class Scenario:
    clients: tuple[Client, ...]
    behaviour: Behaviour = field(default_factory=Behaviour)


DEFAULT_SCENARIO = Scenario(
    clients=(
        Client(
            "acme",
            "Europe/Zurich",
            (
                Team("billing", "call", 900, 11),
                Team("billing", "email", 300, 5),
                Team("support", "call", 1200, 14),
                Team("support", "chat", 600, 4),
                Team("support", "email", 400, 6),
                Team("care", "messaging", 350, 3, bot_share=0.3),
                Team("web", "form", 120, 1),
            ),
            customers=300_000,
        ),
        Client(
            "globex",
            "America/New_York",
            (
                Team("sales", "call", 700, 9),
                Team("sales", "chat", 500, 3),
                Team("service", "call", 800, 10),
                Team("service", "email", 350, 5),
                Team("care", "messaging", 300, 3, bot_share=0.25),
                Team("social", "social", 150, 2),
            ),
            customers=250_000,
        ),
        Client(
            "initech",
            "UTC",
            (
                Team("helpdesk", "call", 500, 7),
                Team("helpdesk", "chat", 300, 3, bot_share=0.2),
                Team("helpdesk", "email", 250, 4),
                Team("web", "form", 100, 1),
            ),
            customers=150_000,
        ),
    )
)


def scaled(scenario: Scenario, factor: float) -> Scenario:
    """The same centre ``factor`` times busier: contacts, agents and customers grow together,
    so waits and service levels stay alike while each day holds more events."""
    return replace(
        scenario,
        clients=tuple(
            replace(
                client,
                teams=tuple(
                    replace(
                        team,
                        daily_contacts=team.daily_contacts * factor,
                        agents=max(1, round(team.agents * factor)),
                    )
                    for team in client.teams
                ),  # fmt: skip
                customers=round(client.customers * factor),
            )
            for client in scenario.clients
        ),
    )


def busiest_start(scenario: Scenario, now: datetime) -> datetime:
    """The latest whole UTC hour, at or before ``now``, at which the most contacts arrive while
    their teams are on shift, across every client's time zone: where a first look at the demo
    shows every centre at work, whatever the hour the demo is run."""

    def load(at: datetime) -> float:
        total = 0.0
        for client in scenario.clients:
            hour = at.astimezone(ZoneInfo(client.timezone)).hour
            total += sum(team.daily_contacts * curve_of(team.channel)[hour] for team in client.teams
                         if team.shift[0] <= hour < team.shift[1])  # fmt: skip
        return total

    latest = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return max((latest - timedelta(hours=back) for back in range(24)), key=lambda at: (load(at), at))
