"""Gathering takes into batches: fuller batches under a backlog, and never a batch held for a
take that does not come (a worker once waited for ever on an estimate that was too high)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest

from streams.worker.gather import gathered


async def takes_of(sizes: list[int], then_wait: bool) -> AsyncIterator[list[int]]:
    """Takes of the given sizes (numbered items), then either the end or nothing ever again."""
    n = 0
    for size in sizes:
        await asyncio.sleep(0.01)
        yield list(range(n, n + size))
        n += size
    if then_wait:
        await asyncio.Event().wait()


async def collect(sizes: list[int], size: int, behind: bool, then_wait: bool, expect: int) -> list[list[int]]:
    batches: list[list[int]] = []

    def is_behind(taken: Sequence[int]) -> bool:
        return behind

    async def run() -> None:
        async for batch in gathered(takes_of(sizes, then_wait), size, is_behind, hold_s=0.2):
            batches.append(batch)
            if sum(map(len, batches)) >= expect:
                return

    await asyncio.wait_for(run(), timeout=5)
    return batches


@pytest.mark.parametrize(
    ("sizes", "size", "behind", "then_wait", "batches"),
    [
        ([3, 3, 3], 100, False, False, [3, 3, 3]),  # not behind: every take is a batch
        ([3, 3, 3, 3], 7, True, False, [9, 3]),  # behind: gathered until the size is reached
        ([40, 40, 40], 100, True, False, [120]),
        ([5, 5], 100, True, True, [10]),  # behind, says the estimate, but nothing more comes
        ([30, 30, 30], 50, True, True, [60, 30]),
    ],
)
def test_batches(sizes: list[int], size: int, behind: bool, then_wait: bool, batches: list[int]) -> None:
    got = asyncio.run(collect(sizes, size, behind, then_wait, sum(sizes)))
    assert [len(b) for b in got] == batches
    assert [x for b in got for x in b] == list(range(sum(sizes)))  # in order, nothing lost or doubled


def test_a_take_that_comes_late_still_arrives_in_the_next_batch() -> None:
    async def slow() -> AsyncIterator[list[int]]:
        yield [1, 2]
        await asyncio.sleep(0.5)  # longer than the hold: the first batch goes without it
        yield [3]

    async def run() -> list[list[int]]:
        return [b async for b in gathered(slow(), 100, lambda taken: True, hold_s=0.1)]

    assert asyncio.run(run()) == [[1, 2], [3]]
