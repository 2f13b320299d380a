"""One Redis pub/sub subscription that an API process holds for its lifetime, whatever happens to Redis.

A lost connection (Redis restarted, a network blip, a client killed) is logged and the subscription
made again half a second later; `on_lost` lets the owner resynchronise whoever depended on it, as a
message published while it was away is gone for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import redis.asyncio as aioredis

log = logging.getLogger(__name__)
RETRY_S = 0.5


class Subscription:
    """Hands `on_message(channel, data)` every message on `channel`, or on every channel matching it
    with `pattern=True`, from `start()` to `stop()`. `subscribed` is set while messages get through."""

    def __init__(
        self,
        redis: aioredis.Redis,
        channel: str,
        on_message: Callable[[bytes | str, bytes | str], None],
        *,
        pattern: bool = False,
        on_lost: Callable[[], None] = lambda: None,
        name: str,
    ) -> None:
        self._redis, self._channel, self._pattern = redis, channel, pattern
        self._on_message, self._on_lost, self._name = on_message, on_lost, name
        self._task: asyncio.Task[None] | None = None
        self.subscribed = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._read())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _read(self) -> None:
        kind = "pmessage" if self._pattern else "message"
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    if self._pattern:
                        await pubsub.psubscribe(self._channel)
                    else:
                        await pubsub.subscribe(self._channel)
                    self.subscribed.set()
                    async for message in pubsub.listen():
                        if message["type"] == kind:
                            self._on_message(message["channel"], message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.subscribed.clear()
                log.warning("%s subscription lost", self._name, extra={"error": repr(exc)})
                self._on_lost()
                await asyncio.sleep(RETRY_S)
