"""A fixed-window rate limit per caller and office, in Redis: enough to stop a runaway tablet or script.

The caller is the access token's subject, never something the request itself names (a header a client
could change with every request), and it is pseudonymised: no user name is part of a Redis key.
"""

from __future__ import annotations

import time

import redis.asyncio as aioredis

from .auth import Principal
from .errors import ApiError
from .pseudonyms import pseudonym


class RateLimit:
    def __init__(self, redis: aioredis.Redis, scope: str, per_minute: int, secret: str) -> None:
        self._redis, self._scope, self._limit, self._secret = redis, scope, per_minute, secret

    async def check(self, who: Principal, office_id: str) -> None:
        window = int(time.time() // 60)
        key = f"vf:rate:{self._scope}:{office_id}:{pseudonym(self._secret, who.subject)}:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 120)
            count, _ = await pipe.execute()
        if count > self._limit:
            retry = 60 - int(time.time()) % 60
            raise ApiError(
                429,
                "too_many_requests",
                f"More than {self._limit} requests a minute from this user at this office; "
                "try again shortly.",
                headers={"Retry-After": str(retry)},
            )
