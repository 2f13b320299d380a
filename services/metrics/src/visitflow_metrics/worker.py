"""The metrics worker: folds visit events into each office's day (a faust table keyed by office), then
publishes the day's summary to the compacted history topic and to the Redis read model and live stream,
and the office's open follow-ups to the read model (projected again from the table when Redis lost them).
What a batch does is `handlers.MetricsHandlers`, and `handlers.HistoryReload` refills Redis from the
history topic when Redis lost it; this module wires them to faust."""

from __future__ import annotations

import functools

import faust
from visitflow_platform.redis_client import redis_client
from visitflow_platform.streams import (
    BATCH_MAX,
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
from .domain import OfficeDays
from .handlers import HistoryReload, MetricsHandlers
from .pacing import paced


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
    handlers = MetricsHandlers(settings.offices, days, store, HistoryTopic(history), dead_letters.writing_for)
    history_reload = HistoryReload(
        store, functools.partial(replay, settings, store, settings.offices), settings.history_check_s
    )
    install_heartbeat(app, redis, settings.service_name)
    install_read_model_healer(app, redis, settings.service_name, handlers.reproject)

    @app.agent(visits)
    async def aggregate(stream: faust.StreamT[bytes]) -> None:
        async for batch in paced(take_batches(stream, BATCH_MAX), BATCH_MAX):
            await dead_letters.handle_batch(batch, handlers.handle_batch)

    @app.task
    async def reload_history() -> None:
        await history_reload.keep_loaded()

    return app
