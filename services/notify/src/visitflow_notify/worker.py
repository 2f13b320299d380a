"""The notify worker. One agent turns visit events into the waiting-room display and the counsellors'
arrivals (at once) and into notification requests (recorded on Kafka first), and records each call it
showed; another delivers those requests, several at a time, so a slow SMS gateway never holds up a
display or another notification. What each does is `handlers.NotifyHandlers`; this module wires it to
faust."""

from __future__ import annotations

import faust
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
from visitflow_platform.topics import TABLES

from .adapters.live_feeds import LiveFeeds
from .adapters.notifications import NotificationTopic
from .adapters.providers import make_provider
from .adapters.sender import Sender
from .config import NotifySettings
from .domain import Audience, Board
from .handlers import NotifyHandlers


def create_worker(settings: NotifySettings) -> faust.App:
    app = make_faust_app(settings, "notify")
    visits = app.topic(settings.topics.visits, partitions=settings.partitions)
    notifications = app.topic(settings.topics.notifications, partitions=settings.partitions)
    board_table, audience_table = TABLES["notify"]
    boards = ParsedTable(make_table(app, board_table, settings), Board, lambda o: Board(office_id=o))
    audiences = ParsedTable(
        make_table(app, audience_table, settings), Audience, lambda o: Audience(office_id=o)
    )
    redis = redis_client(settings.redis_url)
    sender = Sender(
        settings.offices,
        settings.clock,
        redis,
        make_provider(settings),
        settings.sms_attempts,
        settings.sms_backoff_s,
    )
    dead_letters = DeadLetterQueue(app, settings, "notify")
    handlers = NotifyHandlers(
        settings.offices,
        settings.clock,
        boards,
        audiences,
        LiveFeeds(redis),
        NotificationTopic(notifications),
        sender,
        settings.display_calls,
        settings.display_linger,
        dead_letters.writing_for,
    )
    install_heartbeat(app, redis, settings.service_name)
    install_read_model_healer(app, redis, settings.service_name, handlers.reproject)

    @app.agent(visits)
    async def display(stream: faust.StreamT[bytes]) -> None:
        async for batch in take_batches(stream):
            await dead_letters.handle_batch(batch, handlers.handle_visit_events)

    @app.agent(notifications, concurrency=settings.send_concurrency)
    async def deliver(stream: faust.StreamT[bytes]) -> None:
        async for record_ in stream.events():
            await dead_letters.handle(record_, handlers.handle_notification)

    return app
