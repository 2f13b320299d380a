"""The metrics worker's pace: a pause after each batch but a full one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from visitflow_metrics.pacing import paced


async def _batches(sizes: list[int], log: list[str]) -> AsyncIterator[list[int]]:
    for size in sizes:
        log.append(f"batch {size}")
        yield list(range(size))


def test_a_pause_follows_each_batch_but_a_full_one() -> None:
    log: list[str] = []

    async def sleep(seconds: float) -> None:
        log.append(f"pause {seconds}")

    async def run() -> None:
        async for batch in paced(_batches([3, 500, 500, 1], log), full=500, pause_s=1.0, sleep=sleep):
            log.append(f"handled {len(batch)}")

    asyncio.run(run())
    assert log == [
        "batch 3",
        "handled 3",
        "pause 1.0",
        "batch 500",
        "handled 500",  # behind: the next batch at once
        "batch 500",
        "handled 500",
        "batch 1",
        "handled 1",
        "pause 1.0",
    ]
