"""Fixed-window rate limits in Redis: enough to stop a runaway tablet, script or guessed link.

`FixedWindow` counts a caller's requests in the current minute; `RateLimit` applies it per caller and
office to an API's requests. The caller is the access token's subject, never something the request
itself names (a header a client could change with every request), and it is pseudonymised: no user name
is part of a Redis key.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline

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
        async with self._redis.pipeline(transaction=True) as pipe:
            self.count(pipe, key)
            count, _ = await pipe.execute()
        return self.retry_after(count)

    @staticmethod
    def count(pipe: Pipeline, key: str) -> None:
        """Adds counting one request for `key` to a pipeline: its first result is the count."""
        window = int(time.time() // 60)
        pipe.incr(f"vf:rate:{key}:{window}")
        pipe.expire(f"vf:rate:{key}:{window}", 120)

    def retry_after(self, count: int) -> int | None:
        """The seconds to wait when `count` is over the limit, else None."""
        return 60 - int(time.time()) % 60 if count > self.limit else None


class RateLimit:
    def __init__(self, redis: aioredis.Redis, scope: str, per_minute: int, secret: str) -> None:
        self._window, self._scope, self._secret = FixedWindow(redis, per_minute), scope, secret

    async def check(self, who: Principal, office_id: str) -> None:
        self.judge(await self._window.exceeded(self._key(who, office_id)))

    def request(self, who: Principal, office_id: str) -> CountedRequest:
        """The caller's request, to be counted within another round trip of its own (`CountedRequest`)."""
        return CountedRequest(self, who, office_id)

    def _key(self, who: Principal, office_id: str) -> str:
        return f"{self._scope}:{office_id}:{pseudonym(self._secret, who.subject)}"

    def judge(self, retry: int | None) -> None:
        if retry is not None:
            raise ApiError(
                429,
                "too_many_requests",
                f"More than {self._window.limit} requests a minute from this user at this office; "
                "try again shortly.",
                headers={"Retry-After": str(retry)},
            )


@dataclass(frozen=True)
class CountedRequest:
    """One request of a caller at an office, counted as `RateLimit.check` counts it: alone (`check`), or
    as the first commands of the caller's own pipeline (`count`) and judged by the count it got back
    (`judge`: 429 over the limit)."""

    limit: RateLimit
    who: Principal
    office_id: str

    async def check(self) -> None:
        await self.limit.check(self.who, self.office_id)

    def count(self, pipe: Pipeline) -> None:
        FixedWindow.count(pipe, self.limit._key(self.who, self.office_id))

    def judge(self, count: int) -> None:
        self.limit.judge(self.limit._window.retry_after(count))
