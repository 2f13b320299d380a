"""One way to connect to Redis for every service and worker."""

from __future__ import annotations

import redis.asyncio as aioredis

MAX_CONNECTIONS = 64


def redis_client(url: str, max_connections: int = MAX_CONNECTIONS) -> aioredis.Redis:
    """A client whose pool waits for a free connection instead of failing.

    A burst of browsers (a whole office's screens reconnecting after a network blip, thousands at once)
    then queues for a moment rather than getting errors; five seconds without a free connection (or
    without Redis's answer) is an error, which an API answers with 503 (`web.install_common`).
    """
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=5, socket_timeout=5, health_check_interval=10
    )
    return aioredis.Redis(connection_pool=pool)
