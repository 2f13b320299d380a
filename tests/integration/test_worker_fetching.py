"""The workers' consumers fetch with a short wait, and the queue worker's fetches again soon after
records it fetched wait to be taken (DECISIONS §55 and §57)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.consumer import consumer as consumer_module
from aiokafka.consumer.fetcher import Fetcher
from visitflow_devstack.testing import System
from visitflow_platform.streams import FETCH_MAX_WAIT_MS, PREFETCH_BACKOFF_S, tune_fetching

pytestmark = pytest.mark.integration


async def _fetching_of_a_started_consumer(system: System) -> tuple[int, float]:
    # as faust makes its consumer: with a wait of its own
    consumer = AIOKafkaConsumer(
        system.topics.visits, bootstrap_servers=system.stack.kafka_bootstrap, fetch_max_wait_ms=1500
    )
    await consumer.start()
    try:
        return consumer._fetcher._fetch_max_wait_ms, consumer._fetcher._prefetch_backoff
    finally:
        await consumer.stop()


def _started_consumer(system: System) -> tuple[int, float]:
    # in a thread of its own: an earlier test's event loop may still be set in this one
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, _fetching_of_a_started_consumer(system)).result(timeout=60)


@pytest.mark.parametrize(("answers_requests", "backoff"), [(True, PREFETCH_BACKOFF_S), (False, 0.1)])
def test_a_consumer_made_after_tuning_waits_briefly(
    system: System, monkeypatch: pytest.MonkeyPatch, answers_requests: bool, backoff: float
) -> None:
    monkeypatch.setattr(consumer_module, "Fetcher", Fetcher)  # restored afterwards
    tune_fetching(answers_requests)
    tune_fetching(answers_requests)  # twice wraps aiokafka's Fetcher once

    assert _started_consumer(system) == (FETCH_MAX_WAIT_MS, backoff)  # 0.1 s: aiokafka's own
    assert consumer_module.Fetcher.__wrapped__ is Fetcher
