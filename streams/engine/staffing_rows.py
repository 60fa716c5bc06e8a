"""Staffing rows (kpis.md): per (client, queue, channel, interval), the agents Erlang C
requires for the interval's offered contacts next to the agents who were staffed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from schemas.breakdowns import StaffingRow
from streams.engine.agent_time import STATES, AgentKey
from streams.engine.contributions import HANDLE, HANDLED, OFFERED, ThresholdLookup
from streams.engine.intervals import US_PER_S, iso_utc
from streams.engine.staffing import required_for
from streams.engine.totals import RowKey


def staffed_agents(
    agent_rows: Mapping[AgentKey, Sequence[int]], interval_s: int
) -> dict[tuple[str, str, int], float]:
    """Staffed agents per (client, queue, interval_start): their staffed time / interval length."""
    staffed: dict[tuple[str, str, int], float] = defaultdict(float)
    for (client, queue, _, start), vector in agent_rows.items():
        staffed[(client, queue, start)] += sum(vector[: len(STATES)]) / US_PER_S / interval_s
    return staffed


def staffing_rows(
    kpi_rows: Mapping[RowKey, Sequence[int]],
    agent_rows: Mapping[AgentKey, Sequence[int]],
    thresholds: ThresholdLookup,
    interval_s: int,
) -> list[StaffingRow]:
    """A row for every lane with contacts, in every interval it had contacts or its queue had
    agents staffed (quiet, staffed intervals show what was paid for nothing), in key order."""
    staffed = staffed_agents(agent_rows, interval_s)
    lanes_of_queue: dict[tuple[str, str], set[str]] = defaultdict(set)
    for client, queue, channel, _ in kpi_rows:
        lanes_of_queue[(client, queue)].add(channel)
    keys = set(kpi_rows)
    for client, queue, start in staffed:
        keys.update((client, queue, channel, start) for channel in lanes_of_queue.get((client, queue), ()))
    rows = []
    for key in sorted(keys):
        client, queue, channel, start = key
        vector = kpi_rows.get(key)
        offered = vector[OFFERED] if vector else 0
        rules = thresholds(client, queue, channel)
        aht_s = (
            vector[HANDLE] / US_PER_S / vector[HANDLED] if vector and vector[HANDLED] else rules.aht_target_s
        )
        traffic, required = required_for(
            channel, offered, aht_s, rules.sl_threshold_us / US_PER_S, rules.sl_target, interval_s,
            rules.chat_concurrency,
        )  # fmt: skip
        on = staffed.get((client, queue, start), 0.0)
        rows.append(StaffingRow(
            client=client, queue=queue, channel=channel, interval_start=iso_utc(start), offered=offered,
            aht_s=aht_s, traffic_erlangs=traffic, required_agents=required, staffed_agents=on,
            shortfall_agents=None if required is None else max(0.0, required - on),
        ))  # fmt: skip
    return rows
