"""Request and reply between an API and the worker that owns an office.

The API registers interest in a key (a command id or visit id), publishes to Kafka, and waits. The
worker, once it has decided, stores the answer for a day and pushes it on one Redis channel. A retry
that arrives after the answer was pushed finds it stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline

from .subscription import Subscription

CHANNEL = "vf:replies"
KEEP_S = 24 * 3600


def _key(key: str) -> str:
    return f"vf:reply:{key}"


def add_replies(pipe: Pipeline, replies: Sequence[tuple[str, str]]) -> None:
    """Adds storing and pushing answers (key, payload) to a pipeline, so they share a round trip with
    the worker's other writes."""
    for key, payload in replies:
        pipe.set(_key(key), payload, ex=KEEP_S)
        pipe.publish(CHANNEL, f"{key}\n{payload}")


class ReplyWaiter:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis
        self._waiting: dict[str, list[asyncio.Future[str]]] = {}
        self._subscription = Subscription(redis, CHANNEL, self._answer, name="reply")
        self.subscribed = self._subscription.subscribed

    async def start(self) -> None:
        await self._subscription.start()

    async def stop(self) -> None:
        await self._subscription.stop()

    def _answer(self, _channel: bytes | str, message: bytes | str) -> None:
        text = message.decode() if isinstance(message, bytes) else message
        key, _, payload = text.partition("\n")
        for future in self._waiting.pop(key, []):
            if not future.done():
                future.set_result(payload)

    def expect(self, key: str) -> asyncio.Future[str]:
        """Register before publishing the request, so a fast answer is not missed."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append(future)
        return future

    async def stored(self, key: str) -> str | None:
        value = await self._redis.get(_key(key))
        return value.decode() if value else None

    async def wait(self, key: str, future: asyncio.Future[str], timeout_s: float) -> str | None:
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout_s)
        except TimeoutError:
            return await self.stored(key)
        finally:
            waiting = self._waiting.get(key)
            if waiting and future in waiting:
                waiting.remove(future)
                if not waiting:
                    del self._waiting[key]
