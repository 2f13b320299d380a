"""A fixed-window rate limit per caller, in Redis: enough to stop a runaway tablet or script."""

from __future__ import annotations

import time

import redis.asyncio as aioredis

from .errors import ApiError


class RateLimit:
    def __init__(self, redis: aioredis.Redis, scope: str, per_minute: int) -> None:
        self._redis, self._scope, self._limit = redis, scope, per_minute

    async def check(self, caller: str) -> None:
        window = int(time.time() // 60)
        key = f"vf:rate:{self._scope}:{caller}:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 120)
            count, _ = await pipe.execute()
        if count > self._limit:
            retry = 60 - int(time.time()) % 60
            raise ApiError(
                429,
                "too_many_requests",
                f"More than {self._limit} requests a minute from this device; try again shortly.",
                headers={"Retry-After": str(retry)},
            )
