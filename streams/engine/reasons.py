"""Rows by wrap-up reason (kpis.md): the additive columns per (client, queue, channel, reason,
interval_start), for handled contacts whose end carries a reason."""

from __future__ import annotations

from streams.engine.contacts import ContactState
from streams.engine.contributions import HANDLED, Vector

ReasonKey = tuple[str, str, str, str, int]  # client, queue, channel, reason, interval_start (or arrival us)
# Live totals key rows by four parts; a reason row's third is its channel and reason joined by
# LANE_SEP (no channel name holds it, so the first one splits them back).
LANE_SEP = "\x1f"


def reason_part(contact: ContactState, vector: Vector) -> tuple[ReasonKey, Vector] | None:
    """The reason row a contact counts in (client, queue, channel, reason, arrival us) with its
    contribution (FCR aside), or None."""
    ended, arrival = contact.ended, contact.arrival
    if not vector[HANDLED] or ended is None or arrival is None or not ended.reason:
        return None
    return (contact.client, arrival.queue, arrival.channel, ended.reason, arrival.at_us), vector


def reason_lane(channel: str, reason: str) -> str:
    return f"{channel}{LANE_SEP}{reason}"


def split_lane(lane: str) -> tuple[str, str]:
    """The channel and reason of a live reason row's lane."""
    channel, reason = lane.split(LANE_SEP, 1)
    return channel, reason
