"""The notify worker. One agent turns visit events into the waiting-room display (at once) and into
notification requests (recorded on Kafka first); another delivers those requests, several at a time,
so a slow SMS gateway never holds up a display or another notification."""

from __future__ import annotations

import faust
from visitflow_events import Event, Message, NotificationRequested, encode
from visitflow_platform.live import LiveFeed
from visitflow_platform.redis_client import redis_client
from visitflow_platform.streams import (
    BATCH_MAX,
    BATCH_WINDOW_S,
    DeadLetterQueue,
    install_heartbeat,
    install_read_model_healer,
    make_faust_app,
    make_table,
)
from visitflow_platform.tables import ParsedTable
from visitflow_platform.topics import TABLES

from .config import NotifySettings
from .domain import Audience, Board, apply, notices
from .providers import make_provider
from .sender import Sender
from .views import display_frame, display_view

SCOPE = "display"


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
    feed = LiveFeed(redis, SCOPE)
    sender = Sender(
        settings.offices,
        settings.clock,
        redis,
        make_provider(settings),
        settings.sms_attempts,
        settings.sms_backoff_s,
    )
    dead_letters = DeadLetterQueue(app, settings, "notify")
    install_heartbeat(app, redis, settings.service_name)

    async def reproject() -> int:
        count = 0
        for office_id in boards.stored():
            if (office := settings.offices.office(office_id)) is not None:
                frame = display_frame(display_view(boards.get(office.id), office, settings.clock.now()))
                await feed.publish(office.id, "snapshot", frame, snapshot=frame)
                count += 1
        return count

    install_read_model_healer(app, redis, settings.service_name, reproject)

    async def record(messages: list[Message]) -> None:
        sent = [await notifications.send(key=m.office_id.encode(), value=encode(m)) for m in messages]
        for acknowledged in sent:
            await acknowledged

    async def on_visit_events(messages: list[Message]) -> None:
        """A batch of visit events: boards and audiences change in memory, then each office's board is
        stored and pushed once, and the notification requests are recorded together."""
        changed: dict[str, tuple[Board, list[Event], Message]] = {}
        audiences_changed: dict[str, tuple[Audience, Message]] = {}
        requests: list[Message] = []
        for message in messages:
            office = settings.offices.office(message.office_id)
            if office is None or not isinstance(message, Event):
                continue
            board, events, _ = changed.get(office.id) or (boards.get(office.id), [], message)
            after = apply(board, message, settings.display_calls)
            if after is not board:
                changed[office.id] = (after, [*events, message], message)
            audience = audiences_changed.get(office.id, (audiences.get(office.id), message))[0]
            audience_after, asked = notices(audience, message, office.policy.sms_nearly_position)
            if audience_after is not audience:
                audiences_changed[office.id] = (audience_after, message)
            requests += asked
        for office_id, (audience, cause) in audiences_changed.items():
            with dead_letters.writing_for(cause):
                audiences.put(office_id, audience)
        for office_id, (board, events, cause) in changed.items():
            with dead_letters.writing_for(cause):
                boards.put(office_id, board)
            office = settings.offices.office(office_id)
            assert office is not None
            view = display_view(board, office, settings.clock.now())
            for index, event in enumerate(events):
                last = index == len(events) - 1
                await feed.publish(
                    office_id,
                    event.model_dump()["type"],
                    display_frame(view, event),
                    snapshot=display_frame(view) if last else None,
                )
        if requests:
            await record(requests)

    async def on_notification(message: Message) -> None:
        if isinstance(message, NotificationRequested) and (outcome := await sender.deliver(message)):
            await record([outcome])

    @app.agent(visits)
    async def display(stream: faust.StreamT[bytes]) -> None:
        async for batch in stream.take_events(BATCH_MAX, within=BATCH_WINDOW_S):  # type: ignore[attr-defined]
            await dead_letters.handle_batch(batch, on_visit_events)

    @app.agent(notifications, concurrency=settings.send_concurrency)
    async def deliver(stream: faust.StreamT[bytes]) -> None:
        async for record_ in stream.events():
            await dead_letters.handle(record_, on_notification)

    return app
