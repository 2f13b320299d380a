"""The queue worker: one faust agent owns each office's partition, so it is the only writer of its state."""

from __future__ import annotations

import logging
from datetime import datetime

import faust
from visitflow_events import CheckAppointments, CloseDay, encode, new_envelope, office_day_correlation
from visitflow_offices import business_date, closing_time
from visitflow_platform.ids import stable_id
from visitflow_platform.redis_client import redis_client
from visitflow_platform.streams import (
    DeadLetterQueue,
    install_heartbeat,
    install_read_model_healer,
    make_faust_app,
    make_table,
    take_batches,
)
from visitflow_platform.topics import TABLES

from . import projection
from .config import QueueSettings
from .domain.appointments import missed
from .domain.decide import DAY_CLOSES_AFTER
from .handlers import Outbox, QueueHandlers
from .outbox import KafkaRedisOutbox

log = logging.getLogger(__name__)


def create_worker(settings: QueueSettings, outbox: Outbox | None = None) -> faust.App:
    app = make_faust_app(settings, "queue")
    topics = settings.topics
    visits = app.topic(topics.visits, partitions=settings.partitions)
    commands = app.topic(topics.commands, partitions=settings.partitions)
    source = app.topic(topics.visits, topics.commands, topics.appointments, partitions=settings.partitions)
    state_table, results_table, days_table = TABLES["queue"]
    states = make_table(app, state_table, settings)
    results = make_table(app, results_table, settings)
    days = make_table(app, days_table, settings)
    redis = redis_client(settings.redis_url)
    dead_letters = DeadLetterQueue(app, settings, "queue")
    outbox = outbox or KafkaRedisOutbox(visits, redis)
    handlers = QueueHandlers(
        settings.offices,
        settings.clock,
        outbox,
        states,
        results,
        dead_letters.writing_for,
        days,
    )
    install_heartbeat(app, redis, settings.service_name)

    async def reproject() -> int:
        assigned = [tp.partition for tp in app.consumer.assignment() if tp.topic == topics.visits]
        views = handlers.snapshots(handlers.offices_held())
        await outbox.refresh(views)
        await projection.record(redis, assigned)
        return len(views)

    install_read_model_healer(app, redis, settings.service_name, reproject)
    app.handlers = handlers  # type: ignore[attr-defined]  # for tests

    @app.agent(source)
    async def process(stream: faust.StreamT[bytes]) -> None:
        async for events in take_batches(stream):
            await dead_letters.handle_batch(events, handlers.handle_batch)

    @app.timer(interval=settings.rollover_check_s)
    async def rollover() -> None:
        """Closes each office's day after closing time; CloseDay is idempotent by its id. Pushes again the
        pictures the time changed (the closing notice, the waiting order)."""
        if not app.in_recovery:
            try:
                await handlers.refresh_with_time()
            except Exception:  # Redis away: the day is still closed on time
                log.warning("could not push the pictures the time changed", exc_info=True)
        now = settings.clock.now()
        for office_id in list(states.keys()):
            office = settings.offices.office(office_id)
            state = handlers.state(office_id)
            if office is None or state.business_date is None or state.day_closed:
                continue
            closes = closing_time(office, state.business_date, settings.offices.timezone)
            due = state.business_date < business_date(now, settings.offices.timezone) or (
                closes is not None and now >= closes + DAY_CLOSES_AFTER
            )
            if due:
                command = CloseDay(
                    **new_envelope(
                        command_id=stable_id(
                            "close", office_id, state.business_date.isoformat(), str(len(state.tickets))
                        ),
                        occurred_at=now,
                        office_id=office_id,
                        producer="queue-rollover",
                        correlation_id=office_day_correlation(office_id, state.business_date),
                    ),
                    business_date=state.business_date,
                )
                await commands.send(key=office_id.encode(), value=encode(command))
        await check_appointments(now)

    async def check_appointments(now: datetime) -> None:
        """Asks each office with an appointment past its grace period and nobody checked in to decide
        it missed, or with days of bookings that are over to forget them (in the agent, the office's one
        writer). The command's id is the minute's: asked again within it, the command is the same."""
        for office_id in handlers.offices_held():
            office = settings.offices.office(office_id)
            if office is None:
                continue
            today = business_date(now, settings.offices.timezone)
            due = missed(handlers.day(office_id, today), office, now, "queue-timer")
            if not due and not handlers.stale_days(office_id, today):
                continue
            command = CheckAppointments(
                **new_envelope(
                    command_id=stable_id("appointments", office_id, f"{now:%Y-%m-%dT%H:%M}"),
                    occurred_at=now,
                    office_id=office_id,
                    producer="queue-timer",
                    correlation_id=office_day_correlation(office_id, today),
                ),
                business_date=today,
            )
            await commands.send(key=office_id.encode(), value=encode(command))

    return app
