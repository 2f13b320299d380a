"""The notify worker's three live channels on one Redis client (`handlers.ports.Feeds`): a batch's
display, counsellor and visitor frames go in one pipelined round trip, not one per channel."""

from __future__ import annotations

from collections.abc import Sequence

import redis.asyncio as aioredis
from visitflow_platform.live import LiveFeed, Outgoing

from .scopes import COUNSELLOR_SCOPE, DISPLAY_SCOPE, VISITOR_SCOPE


class LiveFeeds:
    def __init__(self, redis: aioredis.Redis) -> None:
        self.display = LiveFeed(redis, DISPLAY_SCOPE)
        self.counsellors = LiveFeed(redis, COUNSELLOR_SCOPE)
        self.visitors = LiveFeed(redis, VISITOR_SCOPE)

    async def publish(
        self, display: Sequence[Outgoing], counsellors: Sequence[Outgoing], visitors: Sequence[Outgoing]
    ) -> None:
        if not (display or counsellors or visitors):
            return

        def the_others(pipe: aioredis.client.Pipeline) -> None:
            self.counsellors.add(pipe, counsellors)
            self.visitors.add(pipe, visitors)

        await self.display.publish_all(display, then=the_others)
