"""The workers' consumers fetch again soon after records they fetched wait to be taken (DECISIONS §55)."""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.consumer import consumer as consumer_module
from visitflow_devstack.testing import System
from visitflow_platform.streams import PREFETCH_BACKOFF_S, shorten_prefetch_backoff

pytestmark = pytest.mark.integration


async def _backoff_of_a_started_consumer(system: System) -> float:
    consumer = AIOKafkaConsumer(system.topics.visits, bootstrap_servers=system.stack.kafka_bootstrap)
    await consumer.start()
    try:
        backoff: float = consumer._fetcher._prefetch_backoff
        return backoff
    finally:
        await consumer.stop()


def test_a_consumer_made_after_shortening_holds_fetches_back_briefly(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumer_module, "Fetcher", consumer_module.Fetcher)  # restored afterwards
    shorten_prefetch_backoff()
    shorten_prefetch_backoff()  # twice changes nothing more

    # in a thread of its own: an earlier test's event loop may still be set in this one
    with ThreadPoolExecutor(1) as thread:
        backoff = thread.submit(asyncio.run, _backoff_of_a_started_consumer(system)).result(timeout=60)

    assert backoff == PREFETCH_BACKOFF_S
    assert not isinstance(consumer_module.Fetcher.func, functools.partial)
