"""Offline rows by reason, per agent and for staffing (``cckpi compute --grain``): the same
engine rules as the KPI rows, over a whole set of events at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from schemas.breakdowns import AgentRow, ReasonRow, StaffingRow
from schemas.row_grains import ROW_GRAINS
from schemas.sla import SlaSettings
from schemas.wire import AgentState, ContactEvent
from streams.batch.whole_set import Rows, count_fcr, count_rows, fcr_successes, gc_paused, merge_contacts
from streams.engine.agent_time import (
    FCR_SUCCESS,
    AgentId,
    AgentKey,
    Change,
    agent_state_rows,
    handled_part,
    ordered,
)
from streams.engine.contributions import FCR, contribution
from streams.engine.intervals import INTERVAL_S, interval_start
from streams.engine.reasons import ReasonKey, reason_part
from streams.engine.rows import agent_output_rows, reason_output_rows
from streams.engine.staffing_rows import staffing_rows
from streams.engine.totals import add_into


@dataclass
class Breakdowns:
    """Row vectors of every grain, keyed as the engine keys them."""

    kpi: Rows
    reasons: dict[ReasonKey, list[int]]
    agents: dict[AgentKey, list[int]]


class _AgentLog:
    """Agent changes and the latest event time per client, taken in passing while contacts merge."""

    def __init__(self) -> None:
        self.changes: dict[AgentId, list[Change]] = defaultdict(list)
        self.latest_us: dict[str, int] = {}

    def tap(self, events: Iterable[ContactEvent | AgentState]) -> Iterator[ContactEvent | AgentState]:
        latest = self.latest_us
        for event in events:
            if event.occurred_us > latest.get(event.client, 0):
                latest[event.client] = event.occurred_us
            if isinstance(event, AgentState):
                self.changes[(event.client, event.queue, event.agent_id)].append(
                    (event.occurred_us, event.event_id, event.queue, event.state)
                )
            yield event


def breakdown_vectors(
    events: Iterable[ContactEvent | AgentState], sla: SlaSettings, interval_s: int = INTERVAL_S
) -> Breakdowns:
    """KPI, reason and agent row vectors of a whole set of events."""
    log = _AgentLog()
    contacts = merge_contacts(log.tap(events)).values()
    kpi = count_rows(contacts, sla.thresholds, interval_s)
    count_fcr(contacts, kpi, interval_s)
    first_time = {(c.client, c.contact_id) for c in fcr_successes(contacts)}
    reasons: dict[ReasonKey, list[int]] = {}
    agents = agent_state_rows({a: ordered(c) for a, c in log.changes.items()}, log.latest_us, interval_s)
    for contact in contacts:
        vector = contribution(contact, sla.thresholds)
        if vector is None:
            continue
        resolved = (contact.client, contact.contact_id) in first_time
        by_reason = reason_part(contact, vector)
        if by_reason is not None:
            (client, queue, channel, reason, at_us), part = by_reason
            key = (client, queue, channel, reason, interval_start(at_us, interval_s))
            add_into(reasons, key, part)
            reasons[key][FCR] += resolved
        by_agent = handled_part(contact, vector)
        if by_agent is not None:
            (client, queue, agent_id, at_us), part = by_agent
            agent_key = (client, queue, agent_id, interval_start(at_us, interval_s))
            add_into(agents, agent_key, part)
            agents[agent_key][FCR_SUCCESS] += resolved
    return Breakdowns(kpi, reasons, agents)


def grain_rows(
    events: Iterable[ContactEvent | AgentState], sla: SlaSettings, grain: str, interval_s: int = INTERVAL_S
) -> list[ReasonRow] | list[AgentRow] | list[StaffingRow]:
    """The rows of one grain other than ``kpi``, in key order."""
    with gc_paused():
        found = breakdown_vectors(events, sla, interval_s)
    if grain == "reasons":
        return reason_output_rows(sorted(found.reasons.items()), sla.formula, sla.hourly_cost)
    if grain == "agents":
        return agent_output_rows(sorted(found.agents.items()))
    if grain == "staffing":
        return staffing_rows(found.kpi, found.agents, sla.thresholds, interval_s)
    raise ValueError(f"unknown grain {grain!r}; use one of {', '.join(ROW_GRAINS)}")
