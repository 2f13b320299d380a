"""Rebuilds the queue's read models in Redis from Kafka alone.

    python -m visitflow_queue rebuild

Reads the visits topic from its start to its current end, folds every office's events with the same
`evolve` the worker uses, and writes each office's snapshot (clearing its live history, so connected
screens fetch the fresh snapshot). Safe to run while the system is up: while it writes, the queue API
answers 503 `rebuilding` for an office whose snapshot is not written yet (`projection`); a rebuild that
fails leaves it so until it is run again or the queue worker projects its offices after a restart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from uuid import UUID

from kafka import KafkaConsumer, TopicPartition
from visitflow_events import Event, UndecodableMessage, decode
from visitflow_platform.live import LiveFeed, Outgoing
from visitflow_platform.redis_client import redis_client

from . import projection
from .config import QueueSettings
from .domain import OfficeQueue, evolve, snapshot
from .frames import SCOPE, snapshot_frame

log = logging.getLogger(__name__)


def replay(settings: QueueSettings) -> dict[str, OfficeQueue]:
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=1000,
        max_poll_records=5000,
        fetch_max_bytes=64 * 1024 * 1024,
    )
    try:
        partitions = [
            TopicPartition(settings.topics.visits, p)
            for p in sorted(consumer.partitions_for_topic(settings.topics.visits) or ())
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        states: dict[str, OfficeQueue] = {}
        replayed = 0
        seen: set[UUID] = set()
        remaining = {tp for tp in partitions if end[tp] > 0}
        while remaining:
            batch = consumer.poll(timeout_ms=1000)
            for tp, records in batch.items():
                for record in records:
                    if record.offset >= end[tp]:
                        continue
                    try:
                        event = decode(record.value)
                    except UndecodableMessage:
                        continue
                    if not isinstance(event, Event) or event.event_id in seen:
                        continue
                    seen.add(event.event_id)
                    replayed += 1
                    state = states.get(event.office_id) or OfficeQueue(office_id=event.office_id)
                    states[event.office_id] = evolve(state, event)
                if consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)
        log.info("replayed", extra={"events": replayed})
        return states
    finally:
        consumer.close()


async def write(settings: QueueSettings, states: dict[str, OfficeQueue]) -> int:
    redis = redis_client(settings.redis_url)
    feed = LiveFeed(redis, SCOPE)
    frames = []
    now = settings.clock.now()
    try:
        for office in settings.offices:
            state = states.get(office.id) or OfficeQueue(office_id=office.id)
            view = snapshot(state, office, now=now, zone=settings.offices.timezone)
            frames.append(Outgoing.fresh_snapshot(office.id, snapshot_frame(view)))
        await projection.forget(redis)  # meanwhile an office without its snapshot is not shown as empty
        await feed.reset([frame.office_id for frame in frames])
        await feed.publish_all(frames)
        await projection.record(redis, range(settings.partitions))
    finally:
        await redis.aclose()
    return len(frames)


def rebuild(settings: QueueSettings) -> dict[str, float]:
    started = time.perf_counter()
    states = replay(settings)
    read = time.perf_counter()
    offices = asyncio.run(write(settings, states))
    done = time.perf_counter()
    return {"offices": offices, "replay_s": round(read - started, 3), "write_s": round(done - read, 3)}
