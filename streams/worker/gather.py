"""Gather a stream's takes into fuller batches under a backlog, without ever holding a batch
for a take that does not come.

Under a backlog Faust cuts each take by its wait after a few thousand messages, and each batch
pays for its inserts, fact messages and sweeps, so the worker gathers takes while more messages
are waiting. How many wait is an estimate (high-water marks, offsets); if it is wrong, or the
waiting messages are never delivered, the next take never comes, and a gathered batch must not
wait for it: after ``hold_s`` without a take, what is gathered goes as it is.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


async def gathered(
    takes: AsyncIterator[Sequence[T]],
    size: int,
    behind: Callable[[Sequence[T]], bool],
    hold_s: float,
) -> AsyncIterator[list[T]]:
    """Batches of the takes: several gathered while ``behind(gathered so far)`` and under ``size``."""
    pending: asyncio.Future[Sequence[T]] | None = None
    taken: list[T] = []
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(takes))
            if taken:  # gathering: wait for the next take, but not for ever
                done, _ = await asyncio.wait({pending}, timeout=hold_s)
                if not done:
                    batch, taken = taken, []
                    yield batch
                    continue
            try:
                more = await pending
            except StopAsyncIteration:
                break
            finally:
                if pending.done():
                    pending = None
            taken += more
            if len(taken) < size and behind(taken):
                continue
            batch, taken = taken, []
            yield batch
        if taken:
            yield taken
    finally:
        if pending is not None:
            pending.cancel()
