"""How often the metrics worker takes a batch: at most every `BATCH_PAUSE_S`, unless it is behind.

A produce request, a Redis pipeline and an office's table and history writes cost the worker more than
the records in them, and no screen but the dashboard waits on it, so it lets a second's records gather
into one batch. A full batch means the worker is behind: it takes the next at once, so the pause
never limits how many records a second it can count
(docs/decisions/metrics-batches-every-second.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

BATCH_PAUSE_S = 1.0


async def paced(
    batches: AsyncIterator[list[T]],
    full: int,
    pause_s: float = BATCH_PAUSE_S,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AsyncIterator[list[T]]:
    """The batches, each but a full one followed by a pause (once the caller handled it): what comes
    meanwhile is read by `take_batches`, and joins the next batch."""
    async for batch in batches:
        yield batch
        if len(batch) < full:
            await sleep(pause_s)
