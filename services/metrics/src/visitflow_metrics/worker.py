"""The metrics worker: folds visit events into each office's day (a faust table keyed by office), then
publishes the day's summary to the compacted history topic and to the Redis read model and live stream,
and the office's open follow-ups to the read model (projected again from the table when Redis lost them).
What a batch does is `handlers.MetricsHandlers`; this module wires it to faust."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import faust
from aiokafka.partitioner import DefaultPartitioner
from visitflow_platform.redis_client import redis_client
from visitflow_platform.streams import (
    DeadLetterQueue,
    install_heartbeat,
    install_read_model_healer,
    make_faust_app,
    make_table,
    take_batches,
)
from visitflow_platform.tables import ParsedTable
from visitflow_platform.topics import TABLES, metrics_history_topic

from .adapters.history import HistoryTopic, replay
from .adapters.store import SummaryStore
from .config import MetricsSettings
from .domain import DaySummary, OfficeDays
from .handlers import MetricsHandlers

log = logging.getLogger(__name__)

# The worker takes a batch at most every half second: its writes (the changelog, the history, Redis)
# cost per request more than per record, and no screen waits on it but the dashboard.
BATCH_PAUSE_S = 0.5


def create_worker(settings: MetricsSettings) -> faust.App:
    app = make_faust_app(settings, "metrics")
    visits = app.topic(settings.topics.visits, partitions=settings.partitions)
    history = app.topic(
        metrics_history_topic(settings.topic_prefix),
        key_type=bytes,
        value_type=bytes,
        partitions=settings.partitions,
    )
    (table_name,) = TABLES["metrics"]
    days = ParsedTable(make_table(app, table_name, settings), OfficeDays, lambda _: OfficeDays())
    redis = redis_client(settings.redis_url)
    store = SummaryStore(redis)
    dead_letters = DeadLetterQueue(app, settings, "metrics")
    history_topic = HistoryTopic(history)
    handlers = MetricsHandlers(settings.offices, days, store, history_topic, dead_letters.writing_for)
    install_heartbeat(app, redis, settings.service_name)
    install_read_model_healer(app, redis, settings.service_name, handlers.reproject)

    @app.agent(visits)
    async def aggregate(stream: faust.StreamT[bytes]) -> None:
        async for batch in take_batches(stream):
            await dead_letters.handle_batch(batch, handlers.handle_batch)
            await asyncio.sleep(BATCH_PAUSE_S)  # what comes meanwhile is read, and joins the next batch

    @app.timer(interval=1.0)
    async def send_history() -> None:
        await history_topic.send_due()

    @app.on_partitions_revoked.connect
    async def send_history_before_revoking(app: Any, /, *_: Any, signal: Any, **__: Any) -> None:
        await history_topic.send_all()

    @app.on_before_shutdown.connect
    async def send_history_before_stopping(app: Any, /, *_: Any, signal: Any, **__: Any) -> None:
        await history_topic.send_all()

    @app.on_rebalance_complete.connect
    async def send_history_again(app: Any, /, *_: Any, signal: Any, **__: Any) -> None:
        """Every day held of the offices now owned goes to the history again at the next tick: what a
        worker that stopped without sending its waiting summaries (a crash) did not send."""
        owned = {tp.partition for tp in app.consumer.assignment() if tp.topic == settings.topics.visits}
        offices = [key for key in days.stored() if visits_partition(key, settings.partitions) in owned]
        history_topic.hold(held_days(days, offices))

    @app.task
    async def reload_history() -> None:
        """Refills Redis from the history topic when Redis lost it (first start, a wipe, a new Redis)."""
        while True:
            try:
                if not await store.history_loaded():
                    await history_topic.send_all()  # the replay reads this worker's newest summaries
                    await replay(settings, store, settings.offices)
            except Exception:
                log.exception("could not replay the metrics history; trying again")
            await asyncio.sleep(settings.history_check_s)

    return app


def visits_partition(office_id: str, partitions: int) -> int:
    """The visits topic's partition of an office's records (keyed by office, Kafka's default partitioner)."""
    chosen: int = DefaultPartitioner()(office_id.encode(), list(range(partitions)), [])
    return chosen


def held_days(days: ParsedTable[OfficeDays], office_ids: list[str]) -> list[DaySummary]:
    return [day.summary() for office_id in office_ids for day in days.get(office_id).days.values()]
