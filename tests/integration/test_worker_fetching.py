"""The workers' consumers fetch again soon while records of partitions they read wait to be taken,
otherwise wait as long as they were asked to, and are never held back by records nobody takes
(docs/decisions/consumer-fetching.md)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.consumer import consumer as consumer_module
from aiokafka.consumer.fetcher import Fetcher
from visitflow_devstack.testing import System, eventually_async
from visitflow_platform.library_gaps import (
    GATHERING_FETCH_MAX_WAIT_MS,
    GATHERING_FETCH_MIN_BYTES,
    PARTIAL_FETCH_MAX_WAIT_MS,
    PREFETCH_BACKOFF_S,
    Fetching,
    tune_fetching,
)

pytestmark = pytest.mark.integration

FAUST_WAIT_MS = 1500  # what faust asks its consumer for
Sent = list[tuple[frozenset[int], int]]  # each fetch sent: its partitions and its wait


@contextlib.asynccontextmanager
async def _a_new_topic(
    bootstrap: str, partitions: int, sent: list[Any]
) -> AsyncIterator[tuple[str, AIOKafkaProducer, AIOKafkaConsumer]]:
    """A topic of its own, a producer, and a consumer made as faust makes one, assigned every partition
    at its end and past its first fetch (recorded in `sent`)."""
    topic = f"visitflow.test-fetching-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, partitions, 1)])
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, fetch_max_wait_ms=FAUST_WAIT_MS)
    assigned = [TopicPartition(topic, n) for n in range(partitions)]
    await producer.start()
    try:
        consumer.assign(assigned)
        await consumer.start()
        await consumer.seek_to_end(*assigned)
        await eventually_async(lambda: len(sent) > 0, what="a first fetch")
        yield topic, producer, consumer
    finally:
        await consumer.stop()
        await producer.stop()
        await admin.delete_topics([topic])
        await admin.close()


async def _fetches_of_a_consumer(bootstrap: str, sent: Sent) -> float:
    """A consumer of four partitions, made as faust makes one. Records arrive on partitions 0, 1 and,
    later, 3; it reads only partition 0, as faust reads its topics but not its tables' changelogs once
    they are recovered. Returns its prefetch backoff."""
    async with _a_new_topic(bootstrap, 4, sent) as (topic, producer, consumer):
        read, unread, _quiet, late = (TopicPartition(topic, n) for n in range(4))
        fetcher = consumer._fetcher

        await producer.send_and_wait(topic, b"1", partition=0)
        await producer.send_and_wait(topic, b"1", partition=1)
        await eventually_async(lambda: {read, unread} <= set(fetcher._records), what="both records fetched")
        await eventually_async(
            lambda: sent[-1] == (frozenset({2, 3}), PARTIAL_FETCH_MAX_WAIT_MS), what="a short fetch"
        )

        taken = await consumer.getmany(read, timeout_ms=5000)
        assert [r.value for r in taken[read]] == [b"1"]
        await eventually_async(lambda: 0 in sent[-1][0], what="partition 0 fetched again")
        # partition 1's record still waits, but nobody reads partition 1
        assert sent[-1] == (frozenset({0, 2, 3}), FAUST_WAIT_MS)

        await producer.send_and_wait(topic, b"2", partition=0)
        await eventually_async(lambda: read in fetcher._records, what="the next record fetched")
        count = len(sent)
        await eventually_async(lambda: len(sent) > count, what="a fetch while it waits")
        assert sent[count:] == [(frozenset({2, 3}), PARTIAL_FETCH_MAX_WAIT_MS)] * (len(sent) - count)
        backoff = float(fetcher._prefetch_backoff)

        # A record nobody reads arrives (a table's changelog written to after a start). With a backoff
        # longer than the test, a fetcher held back by it would fetch nothing more.
        await consumer.getmany(read, timeout_ms=5000)
        fetcher._prefetch_backoff = 600.0
        await producer.send_and_wait(topic, b"1", partition=3)
        await eventually_async(lambda: late in fetcher._records, what="the unread record fetched")
        await producer.send_and_wait(topic, b"3", partition=0)
        await eventually_async(lambda: read in fetcher._records, what="partition 0 fetched, not held back")
        assert 3 not in sent[-1][0]  # the unread record is kept, so its partition is not fetched again
        return backoff


def _fetches(system: System, sent: Sent) -> float:
    # in a thread of its own: this one holds pytest-asyncio's session event loop, which asyncio.run unsets
    with ThreadPoolExecutor(1) as thread:
        run = _fetches_of_a_consumer(system.stack.kafka_bootstrap, sent)
        return thread.submit(asyncio.run, run).result(timeout=60)


@pytest.mark.parametrize(
    ("fetching", "backoff"), [(Fetching.PROMPT, PREFETCH_BACKOFF_S), (Fetching.STEADY, 0.1)]
)
def test_a_consumer_fetches_briefly_only_while_records_it_reads_wait(
    system: System, monkeypatch: pytest.MonkeyPatch, fetching: Fetching, backoff: float
) -> None:
    monkeypatch.setattr(consumer_module, "Fetcher", Fetcher)  # restored afterwards
    tune_fetching(fetching)
    tune_fetching(fetching)  # twice: still one subclass of aiokafka's own
    assert consumer_module.Fetcher.__mro__[1] is Fetcher
    sent: Sent = []

    def recording(fetcher: Fetcher, assignment: Any, node_id: int, request: Any) -> Any:
        partitions = frozenset(p for _, ps in request.topics for p, *_ in ps)
        sent.append((partitions, request._max_wait_ms))
        return Fetcher._proc_fetch_request(fetcher, assignment, node_id, request)

    monkeypatch.setattr(consumer_module.Fetcher, "_proc_fetch_request", recording)
    assert _fetches(system, sent) == backoff  # 0.1 s: aiokafka's own
    # before anything arrived, every partition, with the wait it was asked for
    assert sent[0] == (frozenset({0, 1, 2, 3}), FAUST_WAIT_MS)


async def _gathered(bootstrap: str, sent: list[tuple[int, int]]) -> None:
    """A consumer of two partitions, made as faust makes one, reads a record from each."""
    async with _a_new_topic(bootstrap, 2, sent) as (topic, producer, consumer):
        for partition in (0, 1):
            await producer.send_and_wait(topic, b"1", partition=partition)
        taken: set[TopicPartition] = set()
        while len(taken) < 2:  # far fewer bytes than a fetch waits for: each comes after the wait
            taken |= set(await consumer.getmany(timeout_ms=5000))


def test_a_gathering_consumer_lets_the_broker_gather_each_fetch_for_a_bounded_time(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumer_module, "Fetcher", Fetcher)  # restored afterwards
    tune_fetching(Fetching.GATHERING)
    sent: list[tuple[int, int]] = []  # each fetch's wait and the bytes it waits for

    def recording(fetcher: Fetcher, assignment: Any, node_id: int, request: Any) -> Any:
        sent.append((request._max_wait_ms, request._min_bytes))
        return Fetcher._proc_fetch_request(fetcher, assignment, node_id, request)

    monkeypatch.setattr(consumer_module.Fetcher, "_proc_fetch_request", recording)
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, _gathered(system.stack.kafka_bootstrap, sent)).result(timeout=60)
    # every fetch, also one sent while a record waited to be taken, gathers: faust's wait is not used
    assert set(sent) == {(GATHERING_FETCH_MAX_WAIT_MS, GATHERING_FETCH_MIN_BYTES)}
