"""Fixed-window rate limits in Redis: enough to stop a runaway tablet, script or guessed link.

`FixedWindow` counts a caller's requests in the current minute; `RateLimit` applies it per caller and
office to an API's requests. The caller is the access token's subject, never something the request
itself names (a header a client could change with every request), and it is pseudonymised: no user name
is part of a Redis key.
"""

from __future__ import annotations

import time

import redis.asyncio as aioredis

from .auth import Principal
from .errors import ApiError
from .pseudonyms import pseudonym


class FixedWindow:
    """At most `per_minute` requests a calendar minute per key."""

    def __init__(self, redis: aioredis.Redis, per_minute: int) -> None:
        self._redis, self.limit = redis, per_minute

    async def exceeded(self, key: str) -> int | None:
        """Counts one request for `key` (no personal data: it is part of a Redis key); the seconds to
        wait when it is over the limit, else None."""
        window = int(time.time() // 60)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(f"vf:rate:{key}:{window}")
            pipe.expire(f"vf:rate:{key}:{window}", 120)
            count, _ = await pipe.execute()
        if count > self.limit:
            return 60 - int(time.time()) % 60
        return None


class RateLimit:
    def __init__(self, redis: aioredis.Redis, scope: str, per_minute: int, secret: str) -> None:
        self._window, self._scope, self._secret = FixedWindow(redis, per_minute), scope, secret

    async def check(self, who: Principal, office_id: str) -> None:
        retry = await self._window.exceeded(
            f"{self._scope}:{office_id}:{pseudonym(self._secret, who.subject)}"
        )
        if retry is not None:
            raise ApiError(
                429,
                "too_many_requests",
                f"More than {self._window.limit} requests a minute from this user at this office; "
                "try again shortly.",
                headers={"Retry-After": str(retry)},
            )
