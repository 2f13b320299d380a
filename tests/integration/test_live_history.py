"""The live history on the real Redis: a reconnecting screen replays a short blip, and gets a fresh snapshot
after a longer one, while the history of a busy office stays bounded by time."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis.asyncio as aioredis
from visitflow_devstack.testing import System
from visitflow_platform.live import LiveFeed, LiveHub

pytestmark = pytest.mark.integration
SCOPE = "history-test"


async def _first_frames(hub: LiveHub, office: str, last_id: str, count: int) -> list[tuple[str, str]]:
    frames = []
    async for frame in hub.subscribe(office, last_id):
        frames.append((frame.type, frame.data))
        if len(frames) == count:
            break
    return frames


def test_frames_older_than_the_history_window_are_trimmed_and_not_replayed(system: System) -> None:
    # in a thread of its own: the browser tests' Playwright keeps an event loop running in this one
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, _trimmed_and_not_replayed(system.stack.redis_url)).result()


async def _trimmed_and_not_replayed(redis_url: str) -> None:
    redis = aioredis.Redis.from_url(redis_url)
    feed = LiveFeed(redis, SCOPE, history_s=1.0)
    hub = LiveHub(redis, SCOPE, lambda office: "{}")
    office = "halden"
    try:
        await feed.reset([office])
        first = await feed.publish(office, "VisitorQueued", "one", "after one")
        second = await feed.publish(office, "VisitorQueued", "two", "after two")
        # a short blip: what was missed is replayed
        assert await _first_frames(hub, office, first, 1) == [("VisitorQueued", "two")]

        await asyncio.sleep(1.2)
        await feed.publish(office, "VisitorCalled", "three", "after three")
        history = await redis.xrange(feed.keys.stream(office))
        assert [fields[b"data"] for _, fields in history] == [b"three"]  # older frames trimmed
        # back after longer than the window: the stored snapshot, not a stale replay
        assert await _first_frames(hub, office, second, 1) == [("snapshot", "after three")]
    finally:
        await feed.reset([office])
        await redis.aclose()
