"""The connections an API holds for its lifetime: Redis, the Kafka publisher, the reply waiter."""

from __future__ import annotations

from dataclasses import dataclass, field

import redis.asyncio as aioredis

from .heartbeats import workers_assigned
from .kafka import EventPublisher
from .redis_client import redis_client
from .replies import ReplyWaiter
from .settings import ServiceSettings
from .web import Check


@dataclass
class ApiRuntime:
    settings: ServiceSettings
    publishes: bool = False
    awaits_replies: bool = False
    worker_service: str | None = None
    redis: aioredis.Redis = field(init=False)
    publisher: EventPublisher = field(init=False)
    replies: ReplyWaiter = field(init=False)

    def __post_init__(self) -> None:
        settings = self.settings
        self.redis = redis_client(settings.redis_url, settings.redis_max_connections)
        self.publisher = EventPublisher(
            settings.kafka_bootstrap_servers,
            settings.service_name,
            settings.kafka_timeout_s,
            linger_ms=settings.kafka_linger_ms,
        )
        self.replies = ReplyWaiter(self.redis)

    async def start(self) -> None:
        if self.publishes:
            await self.publisher.start()
        if self.awaits_replies:
            await self.replies.start()

    async def stop(self) -> None:
        await self.replies.stop()
        await self.publisher.close()
        await self.redis.aclose()

    def checks(self) -> dict[str, Check]:
        checks: dict[str, Check] = {"redis": self._redis_ok}
        if self.publishes:
            checks["kafka"] = self._kafka_ok
        if self.worker_service:
            checks["consumer_assigned"] = self._worker_ok
        return checks

    async def _redis_ok(self) -> bool:
        return bool(await self.redis.ping())

    async def _kafka_ok(self) -> bool:
        return await self.publisher.ready()

    async def _worker_ok(self) -> bool:
        assert self.worker_service is not None
        return await workers_assigned(self.redis, self.worker_service)
