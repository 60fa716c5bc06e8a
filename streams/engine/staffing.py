"""Erlang C: how many agents a queue needs for its service-level target, and what a number of
agents gives (the probability of waiting, the service level, the average speed of answer).

Erlang C models a queue whose contacts arrive at random (Poisson) and take exponentially
distributed handling times, nobody giving up: the planning model contact centres use. For
contacts an agent handles several at a time (chat), kpis.md divides the traffic by the
concurrency; email, answered within hours, needs only enough agents for its work, ``ceil(A)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from schemas.channels import is_synchronous
from streams.engine.intervals import INTERVAL_S

MAX_AGENTS = 100_000  # beyond any queue's staffing: a search that gets here has no answer
MAX_TARGET = 0.9999  # a target of 100 % has no finite answer: plan for 99.99 %


def erlang_c(servers: int, traffic: float) -> float:
    """The probability that a contact waits, with ``servers`` and ``traffic`` Erlangs offered
    (1 when the servers cannot keep up). Computed through Erlang B's recursion, which never
    forms the large powers and factorials of the textbook formula."""
    if traffic <= 0:
        return 0.0
    if servers <= traffic:
        return 1.0
    blocking = 1.0
    for n in range(1, servers + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return servers * blocking / (servers - traffic * (1 - blocking))


@dataclass(frozen=True)
class Staffing:
    agents: int
    traffic: float  # Erlangs: offered contacts x handling time / interval (/ concurrency)
    wait_probability: float
    service_level: float  # the share answered within the threshold
    asa_s: float  # average speed of answer
    occupancy: float  # the share of the agents' time spent handling


def staffing(
    agents: int,
    offered: float,
    aht_s: float,
    threshold_s: float,
    interval_s: float = INTERVAL_S,
    concurrency: int = 1,
) -> Staffing:
    """What ``agents`` give for ``offered`` contacts in an interval of ``interval_s``."""
    traffic = offered * aht_s / interval_s / concurrency
    servers = agents
    waits = erlang_c(servers, traffic)
    if traffic == 0:
        return Staffing(agents, 0.0, 0.0, 1.0, 0.0, 0.0)
    if servers <= traffic:
        return Staffing(agents, traffic, 1.0, 0.0, math.inf, 1.0)
    level = 1 - waits * math.exp(-(servers - traffic) * threshold_s / aht_s)
    asa = waits * aht_s / (servers - traffic)
    return Staffing(agents, traffic, waits, level, asa, traffic / servers)


def required_agents(
    offered: float,
    aht_s: float,
    threshold_s: float,
    target: float,
    interval_s: float = INTERVAL_S,
    concurrency: int = 1,
) -> Staffing:
    """The fewest agents whose service level reaches ``target`` (0 agents for no contacts)."""
    if offered <= 0 or aht_s <= 0:
        return staffing(0, 0, aht_s, threshold_s, interval_s, concurrency)
    if not 0 < target < 1:
        raise ValueError(f"target {target}: a share between 0 and 1, e.g. 0.8")
    traffic = offered * aht_s / interval_s / concurrency
    agents = max(1, math.floor(traffic))
    while agents <= MAX_AGENTS:
        found = staffing(agents, offered, aht_s, threshold_s, interval_s, concurrency)
        if found.service_level >= target:
            return found
        agents += 1
    raise ValueError(f"no staffing up to {MAX_AGENTS} agents reaches {target:.0%}")


def required_for(
    channel: str,
    offered: int,
    aht_s: float | None,
    threshold_s: float,
    target: float,
    interval_s: int,
    chat_concurrency: int,
) -> tuple[float | None, int | None]:
    """The traffic and required agents of one row as kpis.md defines them: 0 where nothing was
    offered, None where no handling time is known, ``ceil(A)`` on the asynchronous channels."""
    if offered == 0:
        return 0.0, 0
    if aht_s is None or aht_s <= 0:
        return None, None
    if not is_synchronous(channel):
        traffic = offered * aht_s / interval_s
        return traffic, math.ceil(traffic)
    concurrency = chat_concurrency if channel == "chat" else 1
    found = required_agents(offered, aht_s, threshold_s, min(target, MAX_TARGET), interval_s, concurrency)
    return found.traffic, found.agents
