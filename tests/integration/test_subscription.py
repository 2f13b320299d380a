"""The one Redis subscription loop the live streams and the reply waiter share: messages get through,
and a subscription whose connection Redis drops (here: killed by CLIENT KILL, as a Redis restart drops
it) tells its owner, subscribes again and gets the messages published after."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis.asyncio as aioredis
from visitflow_devstack.testing import System, eventually_async
from visitflow_platform.subscription import Subscription

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("pattern", [False, True], ids=["channel", "pattern"])
def test_a_subscription_survives_its_connection_being_killed(system: System, pattern: bool) -> None:
    # in a thread of its own: the browser tests' Playwright keeps an event loop running in this one
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, _survives_a_kill(system, pattern)).result()


async def _survives_a_kill(system: System, pattern: bool) -> None:
    name = f"subscription-test-{uuid.uuid4().hex[:8]}"
    channel = f"vf:{name}:live"
    redis = aioredis.Redis.from_url(system.stack.redis_url, client_name=name)
    received: list[tuple[bytes | str, bytes | str]] = []
    subscribed_when_lost: list[bool] = []
    subscription = Subscription(
        redis,
        f"vf:{name}:*" if pattern else channel,
        lambda on, data: received.append((on, data)),
        pattern=pattern,
        on_lost=lambda: subscribed_when_lost.append(subscription.subscribed.is_set()),
        name="test",
    )

    async def delivered(data: bytes) -> None:
        async def arrived() -> bool:  # published again until the (re)subscription has taken effect
            await redis.publish(channel, data)
            await asyncio.sleep(0.05)
            return (channel.encode(), data) in received

        for _ in range(200):
            if await arrived():
                return
        raise AssertionError(f"{data!r} never arrived")

    try:
        await subscription.start()
        await asyncio.wait_for(subscription.subscribed.wait(), 10)
        await delivered(b"before")
        assert subscribed_when_lost == []

        (listening,) = [c for c in await redis.client_list(_type="pubsub") if c["name"] == name]
        await redis.client_kill_filter(_id=listening["id"])
        await eventually_async(lambda: bool(subscribed_when_lost), 10, "the subscription to be lost")
        assert subscribed_when_lost == [False]  # no longer reported as subscribed while away

        await asyncio.wait_for(subscription.subscribed.wait(), 10)
        await delivered(b"after")
        assert [data for _, data in received if data == b"after"]
        assert all(on == channel.encode() for on, _ in received)
    finally:
        await subscription.stop()
        await redis.aclose()
