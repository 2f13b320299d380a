"""Workers' heartbeats in Redis: every worker records the partitions it is assigned, and an API's
/readyz asks whether some worker of its service has any. Apart from `streams`, so that an API does not
import faust and aiokafka (a third of an idle API's memory)."""

from __future__ import annotations

import os
import socket

import orjson
import redis.asyncio as aioredis

HEARTBEAT_TTL_S = 10


def worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def heartbeat_key(service: str, worker: str | None = None) -> str:
    """A worker's record of its assignment: this process's, or the pattern `*` for every worker's."""
    return f"vf:workers:{service}:{worker or worker_id()}"


async def workers_assigned(redis: aioredis.Redis, service: str) -> bool:
    async for key in redis.scan_iter(match=heartbeat_key(service, "*"), count=100):
        value = await redis.get(key)
        if value and orjson.loads(value):
            return True
    return False
