"""The metrics worker: folds visit events into each office's day (a faust table keyed by office), then
publishes the day's summary to the compacted history topic and to the Redis read model and live stream,
and the office's open follow-ups to the read model (projected again from the table when Redis lost them)."""

from __future__ import annotations

import asyncio
import logging
from datetime import date

import faust
import orjson
from visitflow_events import AppointmentMissed, Message, VisitEvent, WaitsEstimated
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

from .config import MetricsSettings
from .domain import DayRules, OfficeDay, OfficeDays, live_view, open_follow_ups
from .history import history_key, replay
from .store import SummaryStore

log = logging.getLogger(__name__)


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
    offices = settings.offices
    dead_letters = DeadLetterQueue(app, settings, "metrics")
    install_heartbeat(app, redis, settings.service_name)

    async def reproject() -> int:
        """The open follow-ups of every office this worker holds, after Redis lost them."""
        return await store.write_follow_ups(
            [open_follow_ups(office_id, days.get(office_id)) for office_id in days.stored()]
        )

    install_read_model_healer(app, redis, settings.service_name, reproject)

    @app.agent(visits)
    async def aggregate(stream: faust.StreamT[bytes]) -> None:
        async for batch in take_batches(stream):
            await dead_letters.handle_batch(batch, record)

    async def record(messages: list[Message]) -> None:
        """Folds a batch into the office days, then stores and publishes each changed day once."""
        folded: dict[str, tuple[OfficeDays, Message]] = {}
        changed: dict[tuple[str, date], OfficeDay] = {}
        followed: set[str] = set()  # offices whose follow-ups changed
        for message in messages:
            if not isinstance(message, VisitEvent | AppointmentMissed | WaitsEstimated):
                continue
            office = offices.office(message.office_id)
            if office is None:
                log.warning("visit event for an unknown office", extra={"office": message.office_id})
                continue
            rules = DayRules(office.policy.service_level_minutes * 60, offices.timezone)
            current = folded[office.id][0] if office.id in folded else days.get(office.id)
            if (result := current.apply(message, rules)) is not None:
                folded[office.id] = (result[0], message)
                if result[1] is not None:
                    changed[(office.id, message.business_date)] = result[1]
                if result[0].follow_ups_version != current.follow_ups_version:
                    followed.add(office.id)
        # before the table: a batch retried after Redis failed writes them again (the newer version wins)
        await store.write_follow_ups(
            [open_follow_ups(office_id, folded[office_id][0]) for office_id in followed]
        )
        for office_id, (updated, cause) in folded.items():
            with dead_letters.writing_for(cause):
                days.put(office_id, updated)
        summaries = [day.summary() for day in changed.values()]
        sent = [
            await history.send(key=history_key(summary), value=summary.model_dump_json().encode())
            for summary in summaries
        ]
        for acknowledged in sent:
            await acknowledged  # the history never lags behind the read model
        writes = []
        for summary in summaries:
            office = offices.office(summary.office_id)
            assert office is not None
            writes.append((summary, office.region_id, orjson.dumps(live_view(summary, office)).decode()))
        await store.write_all(writes)

    @app.task
    async def reload_history() -> None:
        """Refills Redis from the history topic when Redis lost it (first start, a wipe, a new Redis)."""
        while True:
            try:
                if not await store.history_loaded():
                    await replay(settings, store, offices)
            except Exception:
                log.exception("could not replay the metrics history; trying again")
            await asyncio.sleep(settings.history_check_s)

    return app
