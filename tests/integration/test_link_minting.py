"""A check-in's link is minted with the check-in's own writes of it (the contact store's link, an SMS
opt-in's phone) in one Redis transaction, and a new link to the visit ends the one before."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from visitflow_devstack.testing import System
from visitflow_platform.contacts import ContactStore
from visitflow_platform.visit_links import LinkStore

pytestmark = pytest.mark.integration
DAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)


def test_a_link_is_minted_with_the_callers_writes_and_a_new_one_ends_the_one_before(system: System) -> None:
    # in a thread of its own: the browser tests' Playwright keeps an event loop running in this one
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, _minted(system.stack.redis_url)).result()


async def _minted(redis_url: str) -> None:
    redis = aioredis.Redis.from_url(redis_url)
    links, contacts = LinkStore(redis, "a-secret-of-sixteen"), ContactStore(redis)
    visit_id = uuid.uuid4()
    kept: list[str] = []

    def keep(pipe: Pipeline, token: str) -> None:
        kept.append(token)
        contacts.add_link(pipe, visit_id, f"https://visit.example/v/{token}", DAY, NOW)
        contacts.add_phone(pipe, visit_id, "+47 4811 0009", DAY, NOW)

    try:
        first = await links.mint("loten", visit_id, DAY, NOW, also=keep)
        assert kept == [first]
        opened = await links.resolve(first)
        assert opened is not None
        assert (opened.office_id, opened.visit_id) == ("loten", visit_id)
        assert await contacts.link(visit_id) == f"https://visit.example/v/{first}"
        assert await contacts.phone(visit_id) == "+47 4811 0009"

        second = await links.mint("loten", visit_id, DAY, NOW)

        assert second != first
        assert await links.resolve(first) is None  # the earlier link stops working
        assert await links.resolve(second) is not None
    finally:
        await links.revoke(visit_id)
        await contacts.forget(visit_id)
        await redis.aclose()
