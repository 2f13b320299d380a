"""Rebuilds the queue's read models in Redis from Kafka alone.

    python -m visitflow_queue rebuild

Reads the visits and appointments topics from their start to their current end, folds every office's
events with the same `evolve` and `appointments.book` the worker uses (bookings first, then the
visits, whose check-ins mark their arrivals), and writes each office's snapshot (clearing its live
history, so connected screens fetch the fresh snapshot). Safe to run while the system is up: while it
writes, the queue API answers 503 `rebuilding` for an office whose snapshot is not written yet
(`projection`); a rebuild that fails leaves it so until it is run again or the queue worker projects
its offices after a restart.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from datetime import date
from uuid import UUID

from kafka import KafkaConsumer, TopicPartition
from visitflow_events import (
    AppointmentEvent,
    AppointmentMissed,
    Event,
    UndecodableMessage,
    VisitorCheckedIn,
    decode,
)
from visitflow_offices import business_date
from visitflow_platform.heap import SurvivorFreezer
from visitflow_platform.live import LiveFeed, Outgoing
from visitflow_platform.redis_client import redis_client

from ..config import QueueSettings
from ..domain import OfficeQueue, evolve, snapshot
from ..domain.appointments import DayBook, arrive, book, day_key
from . import projection
from .frames import SCOPE, snapshot_frame

log = logging.getLogger(__name__)
FREEZE_EVERY = 1000  # events folded between two looks for a full collection's survivors


def replay(settings: QueueSettings) -> tuple[dict[str, OfficeQueue], dict[str, DayBook]]:
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=1000,
        max_poll_records=5000,
        fetch_max_bytes=64 * 1024 * 1024,
    )
    try:
        topics = (settings.topics.appointments, settings.topics.visits)
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        states: dict[str, OfficeQueue] = {}
        events: dict[str, list[Event]] = {topic: [] for topic in topics}
        replayed = 0
        seen: set[UUID] = set()
        remaining = {tp for tp in partitions if end[tp] > 0}
        # what is read and folded is kept to the end: each full collection walked all of it again
        freezer = SurvivorFreezer(refresh_s=math.inf, now=0.0)
        while remaining:
            freezer.tick(0.0)
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
                    events[tp.topic].append(event)
                if consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)
        days: dict[str, list[Event]] = {}
        bookings = [e for e in events[settings.topics.appointments] if isinstance(e, AppointmentEvent)]
        latest = {(e.office_id, e.booking_id): e for e in sorted(bookings, key=lambda e: e.occurred_at)}
        for event in latest.values():  # a booking as it last stood, on the day it is now on
            _on_day(days, event.office_id, event.business_date).append(event)
        for number, event in enumerate(events[settings.topics.visits]):
            if number % FREEZE_EVERY == 0:
                freezer.tick(0.0)
            state = states.get(event.office_id) or OfficeQueue(office_id=event.office_id)
            states[event.office_id] = evolve(state, event, settings.offices.timezone)
            if isinstance(event, VisitorCheckedIn | AppointmentMissed):
                _on_day(days, event.office_id, event.business_date).append(event)
        log.info("replayed", extra={"events": replayed})
        return states, {key: _day(key, day_events) for key, day_events in days.items()}
    finally:
        consumer.close()


def _on_day(days: dict[str, list[Event]], office_id: str, day: date) -> list[Event]:
    return days.setdefault(day_key(office_id, day), [])


def _day(key: str, events: list[Event]) -> DayBook:
    """An office's day from its bookings, then its check-ins and missed appointments, as they came."""
    office_id, _, day = key.partition(":")
    book_of_day = DayBook(office_id=office_id, business_date=date.fromisoformat(day))
    for event in events:
        if isinstance(event, VisitorCheckedIn):
            book_of_day = arrive(book_of_day, event)
        elif isinstance(event, AppointmentEvent):
            book_of_day = book(book_of_day, event)
    return book_of_day


async def write(settings: QueueSettings, states: dict[str, OfficeQueue], days: dict[str, DayBook]) -> int:
    redis = redis_client(settings.redis_url)
    feed = LiveFeed(redis, SCOPE)
    frames = []
    now = settings.clock.now()
    zone = settings.offices.timezone
    today = business_date(now, zone)
    try:
        for office in settings.offices:
            state = states.get(office.id) or OfficeQueue(office_id=office.id)
            day = days.get(day_key(office.id, today)) or DayBook(office_id=office.id, business_date=today)
            view = snapshot(state, office, now=now, zone=zone, day=day)
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
    states, days = replay(settings)
    read = time.perf_counter()
    offices = asyncio.run(write(settings, states, days))
    done = time.perf_counter()
    return {"offices": offices, "replay_s": round(read - started, 3), "write_s": round(done - read, 3)}
