"""What a floor of wallboards reads: one summary per view (client, queue, language) and worker
state, computed once and sent to every screen showing that view, and one watch on the worker
that wakes every screen when a batch is written.

Fifty screens used to mean fifty ClickHouse queries a batch, each screen polling every half
second; now they share one query per view, and learn of a batch within ``WATCH_EVERY_S``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

WATCH_EVERY_S = 0.05  # how soon after a written batch the screens wake (one cheap check)
KEPT_VIEWS = 256  # distinct views remembered (a view nobody shows any more is dropped first)

View = tuple[str | None, str | None, str]  # client, queue, locale
Marker = tuple[int, ...]  # the worker's state: batches written first
Compute = Callable[[str | None, str | None, str], Awaitable[dict[str, Any]]]


class LiveFeed:
    """Shared summaries and the wake-up of the screens waiting for the next one."""

    def __init__(self, marker: Callable[[], Marker], compute: Compute) -> None:
        self._marker = marker  # what changes when there is something new to show
        self._compute = compute
        self._summaries: OrderedDict[View, tuple[Marker, asyncio.Task[dict[str, Any]]]] = OrderedDict()
        self._changed: asyncio.Future[None] | None = None
        self._watch: asyncio.Task[None] | None = None
        self.computed = 0  # summaries computed: one a view and worker state, however many screens

    async def summary(self, view: View) -> tuple[Marker, dict[str, Any]]:
        """The view's summary of the worker's current state: computed by the first screen to ask,
        awaited by the others."""
        marker = self._marker()
        kept = self._summaries.get(view)
        task = kept[1] if kept else None
        failed = task is not None and task.done() and (task.cancelled() or task.exception() is not None)
        if kept is None or kept[0] != marker or failed:  # a failed query is asked again
            kept = (marker, asyncio.ensure_future(self._compute(*view)))
            self.computed += 1
            self._summaries[view] = kept
        self._summaries.move_to_end(view)
        while len(self._summaries) > KEPT_VIEWS:
            self._summaries.popitem(last=False)
        return kept[0], await asyncio.shield(kept[1])

    async def changed_since(self, seen: Marker, timeout_s: float) -> bool:
        """Wait until the worker's state differs from ``seen`` (True), or ``timeout_s`` passed."""
        if self._marker() != seen:
            return True
        if self._changed is None or self._changed.done():
            self._changed = asyncio.get_running_loop().create_future()
        if self._watch is None or self._watch.done():
            self._watch = asyncio.ensure_future(self._watching(seen))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._changed), timeout_s)
        return self._marker() != seen

    async def _watching(self, seen: Marker) -> None:
        """One loop for every waiting screen; it ends once it woke them (the next wait starts it)."""
        while self._marker() == seen:
            await asyncio.sleep(WATCH_EVERY_S)
        if self._changed is not None and not self._changed.done():
            self._changed.set_result(None)
