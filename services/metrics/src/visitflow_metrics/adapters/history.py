"""The daily history's source of truth: a compacted Kafka topic with each office-day's latest summary.

The worker sends an office-day's summary at most every few seconds (`HistoryTopic`), the table's
changelog holding every change meanwhile. Redis only holds a read model of it. `replay` reads the whole
topic and writes every summary into Redis (the newest version wins), which the worker does by itself
whenever Redis has lost the history.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

import faust
from kafka import KafkaConsumer, TopicPartition
from visitflow_offices import OfficeDirectory
from visitflow_platform.redis_client import redis_client
from visitflow_platform.topics import metrics_history_topic

from ..config import MetricsSettings
from ..domain import DaySummary
from .store import SummaryStore

log = logging.getLogger(__name__)


def history_key(summary: DaySummary) -> bytes:
    return f"{summary.office_id}:{summary.business_date.isoformat()}".encode()


# An office-day's summary goes to the history at most once per this many seconds; the newest of the
# meantime waits for the next (docs/decisions/history-written-every-few-seconds.md).
HISTORY_INTERVAL_S = 5.0


class HistoryTopic:
    """The worker's side of the history topic: each changed day's summary, keyed by office and date.

    An office-day not sent in the last `interval_s` is sent at once; a later summary of it waits, replacing
    any that waited before it, until `send_due` finds the interval passed or `send_all` (before the worker
    stops or gives up partitions) sends every waiting one. `hold` makes summaries wait to be sent at the
    next `send_due`, whenever their office-day was sent last."""

    def __init__(
        self,
        topic: faust.TopicT,
        interval_s: float = HISTORY_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._topic = topic
        self._interval_s = interval_s
        self._clock = clock
        self._sent_at: dict[bytes, float] = {}
        self._waiting: dict[bytes, DaySummary] = {}

    async def publish(self, summaries: Sequence[DaySummary]) -> None:
        now = self._clock()
        due: dict[bytes, DaySummary] = {}
        for summary in summaries:
            key = history_key(summary)
            if now - self._sent_at.get(key, -math.inf) >= self._interval_s:
                due[key] = summary
                self._waiting.pop(key, None)
            else:
                self._waiting[key] = summary
        await self._send(due, now)

    def hold(self, summaries: Iterable[DaySummary]) -> None:
        for summary in summaries:
            key = history_key(summary)
            self._waiting[key] = summary
            self._sent_at.pop(key, None)

    async def send_due(self) -> None:
        now = self._clock()
        due = {
            key: summary
            for key, summary in self._waiting.items()
            if now - self._sent_at.get(key, -math.inf) >= self._interval_s
        }
        for key in due:
            del self._waiting[key]
        await self._send(due, now)

    async def send_all(self) -> None:
        due, self._waiting = self._waiting, {}
        await self._send(due, self._clock())

    async def _send(self, summaries: dict[bytes, DaySummary], now: float) -> None:
        # marked sent before the first await: a summary of the same day published meanwhile waits, so
        # an office-day's summaries reach the topic in their order
        for key in summaries:
            self._sent_at[key] = now
        if len(self._sent_at) > 10_000:  # days long past: as good as never sent
            self._sent_at = {k: t for k, t in self._sent_at.items() if now - t < self._interval_s}
        sent = [
            await self._topic.send(key=key, value=summary.model_dump_json().encode())
            for key, summary in summaries.items()
        ]
        for acknowledged in sent:
            await acknowledged


def _records(bootstrap: str, topic: str) -> Iterator[bytes]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            for records in consumer.poll(timeout_ms=1000).values():
                yield from (record.value for record in records if record.value is not None)
    finally:
        consumer.close()


def read_history(settings: MetricsSettings) -> list[DaySummary]:
    """The newest summary of every office-day on the topic (blocking; run it off the event loop)."""
    newest: dict[tuple[str, str], DaySummary] = {}
    for value in _records(settings.kafka_bootstrap_servers, metrics_history_topic(settings.topic_prefix)):
        summary = DaySummary.model_validate_json(value)
        key = (summary.office_id, summary.business_date.isoformat())
        if key not in newest or newest[key].version < summary.version:
            newest[key] = summary
    return list(newest.values())


async def replay(settings: MetricsSettings, store: SummaryStore, offices: OfficeDirectory) -> int:
    """Writes the whole history into Redis; returns how many office-days were newer than what it held."""
    summaries = await asyncio.get_running_loop().run_in_executor(None, read_history, settings)
    regions = {office.id: office.region_id for office in offices}
    written = await store.write_all(
        [(summary, regions[summary.office_id], None) for summary in summaries if summary.office_id in regions]
    )
    await store.mark_history_loaded()
    log.info("metrics history replayed", extra={"office_days": len(summaries), "written": written})
    return written


async def rebuild(settings: MetricsSettings) -> int:
    """`python -m visitflow_metrics rebuild`: refills the Redis read model from the history topic."""
    redis = redis_client(settings.redis_url)
    try:
        return await replay(settings, SummaryStore(redis), settings.offices)
    finally:
        await redis.aclose()
