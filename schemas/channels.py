"""The channels of events.md and their kinds: on a synchronous channel the customer waits on the
line (short abandons, Erlang C staffing), on an asynchronous one the contact waits in a queue of
work (never a short abandon, staffing by the traffic, first responses in business time)."""

from __future__ import annotations

from typing import Literal, get_args

Channel = Literal["call", "chat", "email", "messaging", "social", "form"]
CHANNELS: tuple[Channel, ...] = get_args(Channel)
SYNCHRONOUS: frozenset[str] = frozenset({"call", "chat"})

# kpis.md: the service-level threshold T by channel ("Settings and defaults", "Channels").
DEFAULT_THRESHOLD_S: dict[str, float] = {
    "call": 20.0, "chat": 20.0, "email": 2 * 3600.0,
    "messaging": 15 * 60.0, "social": 3600.0, "form": 2 * 3600.0,
}  # fmt: skip
# Not in the contract: usual first-response targets (asynchronous channels in business time).
DEFAULT_FIRST_RESPONSE_S: dict[str, float | None] = {
    "call": None, "chat": 60.0, "email": 4 * 3600.0,
    "messaging": 3600.0, "social": 2 * 3600.0, "form": 4 * 3600.0,
}  # fmt: skip


def is_synchronous(channel: str) -> bool:
    """The customer waits on the line: call and chat."""
    return channel in SYNCHRONOUS
