"""Reading a platform's log into Kafka: every line converted in order, delivered, then remembered.

The rule that keeps a restart from losing or repeating more than a second of lines: the position
(and what the bridge keeps of the lines before it: each call's first queue, the agents' queues)
is saved only once every event made before it is delivered. A line read again after a crash
gives the same event ids, so a repeat counts once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from producers.bridges.base import Bridge, Unreadable
from producers.bridges.tail import Tail
from producers.outputs import EventOutput

SAVE_EVERY_S = 1.0  # how often a follower delivers what it sent and saves its position


class Remembering(Bridge, Protocol):
    """A bridge whose memory of earlier lines is saved with the position."""

    def memory(self) -> dict[str, Any]: ...

    def recall(self, memory: Mapping[str, Any]) -> None: ...


def follow_log(
    bridge: Remembering,
    tail: Tail,
    output: EventOutput,
    position: Path | None,
    on_unreadable: Callable[[Unreadable], None] | None = None,
    save_every_s: float = SAVE_EVERY_S,
) -> None:
    """Convert each line ``tail`` gives and send its events to ``output`` until the tail ends (or
    the process is interrupted); say each unreadable line as it comes, if asked."""
    bridge.recall(tail.position.memory)
    saved = time.monotonic()

    def deliver_and_save() -> None:
        nonlocal saved
        output.flush()  # delivered first: a saved position never runs ahead of the output
        tail.position.memory = bridge.memory()
        tail.position.save(position)
        saved = time.monotonic()

    def idle() -> None:
        if time.monotonic() - saved >= save_every_s:
            deliver_and_save()

    try:
        for number, text in tail.lines(idle=idle):
            before = bridge.account.unreadable_count
            for event in bridge.convert(number, text):
                output.send(event)
            refused = bridge.account.last_unreadable
            if on_unreadable is not None and bridge.account.unreadable_count > before and refused:
                on_unreadable(refused)  # now, not months later
            idle()
    except KeyboardInterrupt:
        pass
    finally:
        output.close()  # delivers what was sent; the position is saved only if that worked
        tail.position.memory = bridge.memory()
        tail.position.save(position)
