"""The daily history's source of truth: a compacted Kafka topic with each office-day's latest summary.

Redis only holds a read model of it. `replay` reads the whole topic and writes every summary into Redis
(the newest version wins), which the worker does by itself whenever Redis has lost the history.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence

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


class HistoryTopic:
    """The worker's side of the history topic: each changed day's summary, keyed by office and date."""

    def __init__(self, topic: faust.TopicT) -> None:
        self._topic = topic

    async def publish(self, summaries: Sequence[DaySummary]) -> None:
        sent = [
            await self._topic.send(key=history_key(summary), value=summary.json_bytes)
            for summary in summaries
        ]
        for acknowledged in sent:
            await acknowledged  # the history never lags behind the read model


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
