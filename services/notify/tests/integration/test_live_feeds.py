"""The notify worker's three live channels written together on the real Redis: each frame lands in its
own channel's history and snapshot, in order, though all of a batch go in one round trip."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis.asyncio as aioredis
from visitflow_devstack.testing import System
from visitflow_notify.adapters.live_feeds import LiveFeeds
from visitflow_platform.live import Outgoing

pytestmark = pytest.mark.integration
OFFICE = "feeds-test"  # no office's: no screen listens to it


def test_a_batchs_frames_of_every_channel_land_in_their_own_channel_in_order(system: System) -> None:
    # in a thread of its own: the browser tests' Playwright keeps an event loop running in this one
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, _written_together(system.stack.redis_url)).result()


async def _written_together(redis_url: str) -> None:
    redis = aioredis.Redis.from_url(redis_url)
    feeds = LiveFeeds(redis)
    channels = (feeds.display, feeds.counsellors, feeds.visitors)
    try:
        for feed in channels:
            await feed.reset([OFFICE])
        await feeds.publish(
            [
                Outgoing(OFFICE, "VisitorQueued", "d1", "board 1"),
                Outgoing(OFFICE, "VisitorCalled", "d2", "board 2"),
            ],
            [Outgoing(OFFICE, "arrivals", "c1", "arrivals 1")],
            [Outgoing(OFFICE, "visits", "v1", "visits 1")],
        )
        await feeds.publish([], [], [])  # nothing to say: nothing written

        written = []
        for feed in channels:
            history = await redis.xrange(feed.keys.stream(OFFICE))
            snapshot = await redis.hget(feed.keys.snapshot(OFFICE), "data")
            written.append(([fields[b"data"] for _, fields in history], snapshot))
        assert written == [
            ([b"d1", b"d2"], b"board 2"),
            ([b"c1"], b"arrivals 1"),
            ([b"v1"], b"visits 1"),
        ]
    finally:
        for feed in channels:
            await feed.reset([OFFICE])
        await redis.aclose()
