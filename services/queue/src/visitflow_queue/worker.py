"""The queue worker: one faust agent owns each office's partition, so it is the only writer of its state.
What a batch does, and which commands the clock calls for, is `handlers.visit_events.QueueHandlers`;
this module wires it to faust (the agent, the rollover timer, the read-model healer)."""

from __future__ import annotations

import faust
from visitflow_events import encode
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

from .adapters import projection
from .adapters.outbox import KafkaRedisOutbox
from .config import QueueSettings
from .handlers.ports import Outbox
from .handlers.visit_events import QueueHandlers


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
        count = await handlers.reproject()
        await projection.record(redis, assigned)
        return count

    install_read_model_healer(app, redis, settings.service_name, reproject)
    app.handlers = handlers  # type: ignore[attr-defined]  # for tests

    @app.agent(source)
    async def process(stream: faust.StreamT[bytes]) -> None:
        async for events in take_batches(stream):
            await dead_letters.handle_batch(events, handlers.handle_batch)

    @app.timer(interval=settings.rollover_check_s)
    async def rollover() -> None:
        for command in await handlers.rollover(in_recovery=app.in_recovery):
            await commands.send(key=command.office_id.encode(), value=encode(command))

    return app
