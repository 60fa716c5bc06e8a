"""The figures of right now: rolling windows from ClickHouse, waiting contacts and agents from memory."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from schemas.kpi import KpiRow
from schemas.sla import SlaSettings, Thresholds
from schemas.stamps import local_midnight
from schemas.targets import rules_payload
from streams.engine.agent_time import STATES, occupancy
from streams.engine.intervals import INTERVAL_S, MINUTE_S, US_PER_S, iso_utc
from streams.engine.staffing import required_for
from streams.storage.backends.protocol import ClickHouse
from streams.storage.kpi_reads import read_kpi_rows

WINDOWS = {"15m": 15 * 60, "60m": 60 * 60}
SHOWN = ("offered", "answered", "abandoned", "handled", "service_level", "answer_rate",
         "abandon_rate", "asa_s", "aht_s", "fcr_rate", "csat", "nps", "first_response_s",
         "self_served", "self_service_rate", "avg_resolution_s")  # fmt: skip


def staffing_now(
    channel: str, figures: dict[str, Any], states: dict[str, int], rules: Thresholds
) -> dict[str, Any]:
    """Agents staffing the queue now (any state but offline) against the agents Erlang C needs
    for the last 15 minutes' contacts (kpis.md, "Staffing"; the handling time of the last 15 or
    60 minutes, of today, or the target), and the occupancy of those on the queue now."""
    offered = int((figures.get("15m") or {}).get("offered") or 0)
    handling = [(figures.get(w) or {}).get("aht_s") for w in ("15m", "60m", "today")] + [rules.aht_target_s]
    aht_s = next((a for a in handling if a), None)
    threshold_s = rules.sl_threshold_us / US_PER_S
    _, required = required_for(channel, offered, aht_s, threshold_s, rules.sl_target, INTERVAL_S,
                               rules.chat_concurrency)  # fmt: skip
    staffed = sum(states.get(state, 0) for state in STATES)
    on_queue = occupancy(states.get("busy", 0), states.get("wrap", 0), states.get("available", 0))
    return {"required": required, "staffed": staffed, "short": required is not None and staffed < required,
            "occupancy": on_queue}  # fmt: skip


def by_queue(lanes: list[dict[str, Any]]) -> None:
    """Judge staffing per queue: its agents (``agent.state`` names no channel) serve every
    channel of the queue, so they are set against what all its channels need together; each
    lane keeps its own need beside (``required``)."""
    needs: dict[tuple[str, str], list[int | None]] = defaultdict(list)
    for lane in lanes:
        needs[(lane["client"], lane["queue"])].append(lane["staffing"]["required"])
    for lane in lanes:
        known = [n for n in needs[(lane["client"], lane["queue"])] if n is not None]
        staffing = lane["staffing"]
        staffing["queue_required"] = sum(known) if known else None
        staffing["short"] = bool(known) and staffing["staffed"] < sum(known)


def live_summary(
    store: ClickHouse,
    waiting: dict[tuple[str, str, str], dict[str, float]],
    agents: dict[tuple[str, str], dict[str, int]],
    sla: SlaSettings,
    now_us: int,
    client: str | None = None,
    queue: str | None = None,
) -> dict[str, Any]:
    """Per client/queue/channel: today, last 15 and 60 minutes, waiting now, targets.

    ``waiting`` and ``agents`` are taken on the event loop (they read live state); this
    part only queries ClickHouse, so it may run in a thread.
    """
    now_s = now_us // US_PER_S
    moments_zone = sla.client(client).timezone if client is not None else "UTC"  # the moments shown
    queues: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(dict)

    def add(name: str, since: int, only: str | None) -> list[KpiRow]:
        rows = read_kpi_rows(
            store,
            MINUTE_S,
            only,
            since_s=since,
            per_interval=False,
            formula=sla.formula,
            cost=sla.hourly_cost,
        )
        for row in rows:
            queues[(row.client, row.queue, row.channel)][name] = row.model_dump(include=set(SHOWN))
        return rows

    for name, span in WINDOWS.items():
        add(name, now_s - span - now_s % MINUTE_S, client)
    # "Today" is each client's own day, in its time zone (kpis.md).

    def today_from(timezone: str) -> int:
        return int(local_midnight(now_s, timezone).timestamp())

    zones = {name: c.timezone for name, c in sla.config.clients.items() if c.timezone != "UTC"}
    if client is not None:
        add("today", today_from(sla.client(client).timezone), client)
    else:
        for row in add("today", today_from("UTC"), None):
            if row.client in zones:
                queues[(row.client, row.queue, row.channel)].pop("today")
        for name, zone in zones.items():
            add("today", today_from(zone), name)
    for key, now in waiting.items():
        if client in (None, key[0]):
            queues[key]["now"] = now
    everything = sorted(queues)
    if queue is not None:
        queues = defaultdict(dict, {k: v for k, v in queues.items() if k[1] == queue})
    result = []
    for (client, queue, channel), figures in sorted(queues.items()):
        rules = sla.thresholds(client, queue, channel)
        states = agents.get((client, queue), {})
        result.append({
            "client": client, "queue": queue, "channel": channel,
            "sl_target": rules.sl_target, "sl_threshold_s": rules.sl_threshold_us / US_PER_S,
            "agents": states, "staffing": staffing_now(channel, figures, states, rules),
            **figures,
        })  # fmt: skip
    by_queue(result)
    return {
        "as_of": iso_utc(now_s) if now_us else None,
        "timezone": moments_zone,
        "clients": sorted({k[0] for k in everything}),
        "queue_names": sorted({k[1] for k in everything}),
        "queues": result,
        "targets": rules_payload(),  # how the page judges a figure against its target
    }
