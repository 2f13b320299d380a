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

KEEP_S = 120  # how long a minute's count is kept: past its minute, and then some for clocks apart


class RateLimit:
    def __init__(self, redis: aioredis.Redis, scope: str, per_minute: int, secret: str) -> None:
        self._redis, self._scope, self.limit, self._secret = redis, scope, per_minute, secret

    def key(self, who: Principal, office_id: str) -> str:
        """The key counting the caller's requests at the office this minute (INCR, then EXPIRE KEEP_S),
        for a caller that counts in a round trip of its own (`check` is that round trip alone)."""
        window = int(time.time() // 60)
        return f"vf:rate:{self._scope}:{office_id}:{pseudonym(self._secret, who.subject)}:{window}"

    async def check(self, who: Principal, office_id: str) -> None:
        key = self.key(who, office_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, KEEP_S)
            count, _ = await pipe.execute()
        self.refuse_over(count)

    def refuse_over(self, count: int) -> None:
        """429, once `count` (this request's) is past the limit."""
        if count > self.limit:
            retry = 60 - int(time.time()) % 60
            raise ApiError(
                429,
                "too_many_requests",
                f"More than {self.limit} requests a minute from this user at this office; try again shortly.",
                headers={"Retry-After": str(retry)},
            )
