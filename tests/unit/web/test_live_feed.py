"""A floor of screens shares one summary per view and worker state, and wakes when a batch is
written, not at its next poll."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from streams.web.live_feed import WATCH_EVERY_S, LiveFeed


class Worker:
    def __init__(self) -> None:
        self.batches = 0
        self.queries: list[tuple[str | None, str | None, str]] = []
        self.failing = False

    def marker(self) -> tuple[int, ...]:
        return (self.batches,)

    async def compute(self, client: str | None, queue: str | None, locale: str) -> dict[str, Any]:
        self.queries.append((client, queue, locale))
        await asyncio.sleep(0.02)  # the query, in its thread
        if self.failing:
            raise ConnectionError("ClickHouse went away")
        return {"client": client, "locale": locale, "batches": self.batches}


@pytest.mark.parametrize("screens", [1, 7, 50])
def test_screens_showing_one_view_share_one_query_per_batch(screens: int) -> None:
    async def floor() -> None:
        worker = Worker()
        feed = LiveFeed(worker.marker, worker.compute)
        views = [("acme", None, "fr_CH"), ("globex", None, "en")]
        shown = await asyncio.gather(*(feed.summary(views[i % 2]) for i in range(screens)))
        assert len(worker.queries) == min(screens, 2) == feed.computed
        assert all(figures["client"] == views[i % 2][0] for i, (_, figures) in enumerate(shown))
        await asyncio.gather(*(feed.summary(views[i % 2]) for i in range(screens)))
        assert len(worker.queries) == min(screens, 2)  # nothing new: nothing asked again
        worker.batches += 1
        marker, figures = (await asyncio.gather(*(feed.summary(views[0]) for _ in range(screens))))[0]
        assert marker == (1,) and figures["batches"] == 1 and len(worker.queries) == min(screens, 2) + 1

    asyncio.run(floor())


def test_screens_wake_when_a_batch_is_written_and_a_quiet_wait_times_out() -> None:
    async def floor() -> None:
        worker = Worker()
        feed = LiveFeed(worker.marker, worker.compute)
        started = time.monotonic()
        assert await feed.changed_since((0,), 0.2) is False
        assert time.monotonic() - started >= 0.19
        waiting = [asyncio.ensure_future(feed.changed_since((0,), 5.0)) for _ in range(50)]
        await asyncio.sleep(0.1)
        written = time.monotonic()
        worker.batches += 1
        assert await asyncio.gather(*waiting) == [True] * 50
        assert time.monotonic() - written < WATCH_EVERY_S + 0.1  # not a half-second poll
        assert await feed.changed_since((0,), 5.0) is True  # behind already: at once

    asyncio.run(floor())


def test_a_failed_query_is_asked_again_by_the_next_screen() -> None:
    async def floor() -> None:
        worker = Worker()
        feed = LiveFeed(worker.marker, worker.compute)
        worker.failing = True
        with pytest.raises(ConnectionError):
            await feed.summary((None, None, "en"))
        worker.failing = False
        _, figures = await feed.summary((None, None, "en"))
        assert figures["batches"] == 0 and len(worker.queries) == 2

    asyncio.run(floor())
