"""Drive the simulator into an output, at real time, a speed factor, or as fast as possible."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from producers.outputs import EventOutput
from producers.simulator import Simulator

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86_400}


def parse_duration(text: str) -> timedelta:
    """'90s', '15m', '6h', '30d' -> timedelta."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"duration {text!r}: use a number and s, m, h or d, e.g. 6h")
    return timedelta(seconds=float(match.group(1)) * _UNIT[match.group(2)])


def parse_speed(text: str) -> float | None:
    """'max' -> None (no pacing), 'realtime' -> 1, else a positive factor."""
    if text == "max":
        return None
    if text == "realtime":
        return 1.0
    value = float(text)
    if value <= 0:
        raise ValueError("speed must be positive, 'realtime' or 'max'")
    return value


@dataclass
class RunReport:
    events: int
    wall_s: float
    last_event_time: float | None


def run_simulation(
    simulator: Simulator,
    output: EventOutput,
    until: datetime | None,
    max_events: int | None = None,
    speed: float | None = None,
    stop: StopFlag | None = None,
) -> RunReport:
    """Send events until the simulated end time or the event budget; pace if speed is set."""
    began = time.monotonic()
    sent = 0
    last: float | None = None
    for t, event in simulator.events(until):
        if speed is not None:
            due = began + (t - simulator.start) / speed
            ahead = due - time.monotonic()
            if ahead > 0.02:
                time.sleep(ahead)
        output.send(event)
        sent += 1
        last = t
        if (max_events is not None and sent >= max_events) or (stop is not None and stop.stopped):
            break
    output.close()
    return RunReport(sent, time.monotonic() - began, last)


class StopFlag:
    """Set from a signal handler to end a paced run early."""

    stopped = False
