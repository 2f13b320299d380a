"""A worker's answers to waiting APIs ride on the same Redis round trip as its live frames."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
import redis.asyncio as aioredis
from visitflow_devstack.testing import System
from visitflow_platform.live import LiveFeed, Outgoing
from visitflow_platform.replies import ReplyWaiter, add_replies

pytestmark = pytest.mark.integration
SCOPE = "replies-test"


def test_answers_sent_with_the_frames_reach_the_waiting_api_and_are_stored(system: System) -> None:
    # in a thread of its own: the browser tests' Playwright keeps an event loop running in this one
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, _answers_with_frames(system.stack.redis_url)).result()


async def _answers_with_frames(redis_url: str) -> None:
    redis = aioredis.Redis.from_url(redis_url)
    feed = LiveFeed(redis, SCOPE)
    waiter = ReplyWaiter(redis)
    office = "loten"
    with_frames, alone = uuid.uuid4().hex, uuid.uuid4().hex
    try:
        await waiter.start()
        await asyncio.wait_for(waiter.subscribed.wait(), 10)
        await feed.reset([office])
        first, second = waiter.expect(with_frames), waiter.expect(alone)

        frames = [
            Outgoing(office, "VisitorCalled", "called", "picture"),
            Outgoing(office, "ServiceStarted", "started"),
        ]
        ids = await feed.publish_all(frames, partial(add_replies, replies=[(with_frames, '{"n": 1}')]))
        history = await redis.xrange(feed.keys.stream(office))
        assert ids == [entry_id.decode() for entry_id, _ in history]  # the frames' ids, not the reply's
        assert [fields[b"data"] for _, fields in history] == [b"called", b"started"]
        assert await waiter.wait(with_frames, first, 10) == '{"n": 1}'

        # a batch with answers and no frames (a repeated command) still answers
        assert await feed.publish_all([], partial(add_replies, replies=[(alone, '{"n": 2}')])) == []
        assert await waiter.wait(alone, second, 10) == '{"n": 2}'

        # both are stored, for a retry that comes after the answer was pushed
        assert await waiter.stored(with_frames) == '{"n": 1}'
        assert await waiter.stored(alone) == '{"n": 2}'
    finally:
        await waiter.stop()
        await feed.reset([office])
        await redis.aclose()


def test_a_wait_without_an_answer_in_time_gives_the_stored_one_and_a_cancelled_wait_is_cancelled(
    system: System,
) -> None:
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, _waits_that_end_without_an_answer(system.stack.redis_url)).result()


async def _waits_that_end_without_an_answer(redis_url: str) -> None:
    redis = aioredis.Redis.from_url(redis_url)
    waiter = ReplyWaiter(redis)
    stored, never, cancelled = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
    try:
        await waiter.start()
        await asyncio.wait_for(waiter.subscribed.wait(), 10)
        # stored without being pushed, as when the answer came before the wait was registered
        await redis.set(f"vf:reply:{stored}", '{"n": 3}', ex=60)
        assert await waiter.wait(stored, waiter.expect(stored), 0.2) == '{"n": 3}'
        assert await waiter.wait(never, waiter.expect(never), 0.2) is None

        # the request giving up (its client gone) is not taken for the timeout
        waiting = asyncio.create_task(waiter.wait(cancelled, waiter.expect(cancelled), 10))
        await asyncio.sleep(0.05)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting

        # nothing is left waiting, and a late answer is for no one
        await feed_answer(redis, [(stored, "{}"), (never, "{}"), (cancelled, "{}")])
        await asyncio.sleep(0.1)
        assert not waiter.waiting()
    finally:
        await waiter.stop()
        await redis.delete(*(f"vf:reply:{key}" for key in (stored, never, cancelled)))
        await redis.aclose()


async def feed_answer(redis: aioredis.Redis, replies: list[tuple[str, str]]) -> None:
    async with redis.pipeline(transaction=False) as pipe:
        add_replies(pipe, replies)
        await pipe.execute()
