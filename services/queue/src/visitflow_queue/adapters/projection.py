"""Whether Redis holds the queue's whole read model.

An office's snapshot is in Redis once the queue worker has written it, so a missing snapshot means
either an office with no visit at all, or one whose snapshot is not back yet after Redis was wiped. The
two are told apart by the partitions (of the visits topic) whose offices have been projected since
Redis was last empty: the worker records its partitions after its read-model healer projected them
again (`worker.reproject`), and `rebuild` records them all. While some partition is missing, the API
answers 503 `rebuilding` instead of an empty list it cannot vouch for.
"""

from __future__ import annotations

from collections.abc import Iterable

import redis.asyncio as aioredis

KEY = "vf:queue:projected-partitions"


async def record(redis: aioredis.Redis, partitions: Iterable[int]) -> None:
    """These partitions' offices are all in Redis."""
    if members := sorted(set(partitions)):
        await redis.sadd(KEY, *members)


async def forget(redis: aioredis.Redis) -> None:
    """The read model is about to be rewritten: until it is recorded again, none of it is vouched for."""
    await redis.delete(KEY)


async def whole(redis: aioredis.Redis, partitions: int) -> bool:
    """Every one of the topic's `partitions` has its offices in Redis."""
    return bool(await redis.scard(KEY) >= partitions)
