"""The notify worker. One agent turns visit events into the waiting-room display and the counsellors'
arrivals (at once) and into notification requests (recorded on Kafka first), and records each call it
showed; another delivers those requests, several at a time, so a slow SMS gateway never holds up a
display or another notification."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any
from uuid import UUID

import faust
from visitflow_events import Channel, Event, Message, NotificationRequested, VisitorCalled, encode
from visitflow_offices import Office
from visitflow_platform.live import LiveFeed, Outgoing, office_frames
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

from .config import NotifySettings
from .domain import CALLED, Audience, Board, apply, notices, outcome
from .providers import make_provider
from .scopes import COUNSELLOR_SCOPE, DISPLAY_SCOPE, VISITOR_SCOPE
from .sender import Sender
from .views import counsellor_frame, counsellor_view, display_frame, display_view
from .visitor import VISITS_FRAME, visits_frame, visits_view


def _display_frame(view: dict[str, Any], event: Event, _last: bool) -> str:
    return display_frame(view, event)  # every display frame carries the board


def _counsellor_frame(frame: str, _event: Event, _last: bool) -> str:
    return frame  # every counsellor frame carries the office's arrivals


@dataclass
class Changed:
    """An office's board changed by a batch: the events that changed what its display shows, those that
    changed its counsellors' arrivals, and the message to blame if storing it fails."""

    board: Board
    cause: Message
    display: list[Event] = field(default_factory=list)
    arrivals: list[Event] = field(default_factory=list)


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
    feed = LiveFeed(redis, DISPLAY_SCOPE)
    counsellor_feed = LiveFeed(redis, COUNSELLOR_SCOPE)
    visitor_feed = LiveFeed(redis, VISITOR_SCOPE)
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

    def view(board: Board, office: Office) -> dict[str, Any]:
        return display_view(board, office, settings.clock.now(), settings.display_linger)

    def visitors(board: Board, office: Office, shows: dict[str, Any]) -> Outgoing:
        frame = visits_frame(visits_view(board, office, shows))
        return Outgoing(office.id, VISITS_FRAME, frame, frame)

    async def reproject() -> int:
        frames, counsellor_frames, visitor_frames = [], [], []
        for office_id in boards.stored():
            if (office := settings.offices.office(office_id)) is not None:
                board = boards.get(office.id)
                shows = view(board, office)
                frames.append(Outgoing.fresh_snapshot(office.id, display_frame(shows)))
                counsellor = counsellor_frame(counsellor_view(board, office))
                counsellor_frames.append(Outgoing.fresh_snapshot(office.id, counsellor))
                visitor_frames.append(visitors(board, office, shows))
        await feed.publish_all(frames)
        await counsellor_feed.publish_all(counsellor_frames)
        await visitor_feed.publish_all(visitor_frames)
        return len(frames)

    install_read_model_healer(app, redis, settings.service_name, reproject)

    async def record(messages: list[Message]) -> None:
        sent = [await notifications.send(key=m.office_id.encode(), value=encode(m)) for m in messages]
        for acknowledged in sent:
            await acknowledged

    # Display deliveries not yet recorded, and the attempts of each call: they outlive a batch that is
    # retried after a Redis or Kafka failure.
    shown: list[Message] = []
    tries: dict[UUID, int] = {}

    async def show(changed: dict[str, Changed]) -> None:
        """Pushes every changed office's new frames to its displays and counsellors; each call shown is
        recorded."""
        frames, arrivals, calls, visitor_frames = [], [], [], []
        for office_id, change in changed.items():
            office = settings.offices.office(office_id)
            assert office is not None
            shows = view(change.board, office)
            visitor_frames.append(visitors(change.board, office, shows))
            if change.display:
                render = partial(_display_frame, shows)
                frames += office_frames(office_id, change.display, render, display_frame(shows))
                calls += [event for event in change.display if isinstance(event, VisitorCalled)]
            if change.arrivals:
                counsellor = counsellor_frame(counsellor_view(change.board, office))
                render = partial(_counsellor_frame, counsellor)
                arrivals += office_frames(office_id, change.arrivals, render, counsellor)
        for call in calls:
            tries[call.event_id] = tries.get(call.event_id, 0) + 1
        await feed.publish_all(frames)
        await counsellor_feed.publish_all(arrivals)
        await visitor_feed.publish_all(visitor_frames)
        at = settings.clock.now()
        shown.extend(outcome(call, Channel.DISPLAY, CALLED, tries.pop(call.event_id), at) for call in calls)

    async def on_visit_events(messages: list[Message]) -> None:
        """A batch of visit events: boards and audiences change in memory, then each office's board is
        pushed and stored once, and the notification requests and outcomes are recorded together.

        What is stored comes after what it caused (frames pushed, requests recorded), so a batch retried
        after a failure does again what was not done yet (pushing at least once, never skipping)."""
        changed: dict[str, Changed] = {}
        audiences_changed: dict[str, tuple[Audience, Message]] = {}
        requests: list[Message] = []
        for message in messages:
            office = settings.offices.office(message.office_id)
            if office is None or not isinstance(message, Event):
                continue
            board = changed[office.id].board if office.id in changed else boards.get(office.id)
            after = apply(board, message, settings.display_calls)
            if after is not board:
                change = changed.setdefault(office.id, Changed(after, message))
                change.board, change.cause = after, message
                if (
                    after.calls is not board.calls
                    or after.lines is not board.lines
                    or after.closed_rooms is not board.closed_rooms
                ):
                    change.display.append(message)
                if after.arrivals is not board.arrivals:
                    change.arrivals.append(message)
            audience = audiences_changed.get(office.id, (audiences.get(office.id), message))[0]
            audience_after, asked = notices(audience, message, office.policy.sms_nearly_position)
            if audience_after is not audience:
                audiences_changed[office.id] = (audience_after, message)
            requests += asked
        await show(changed)
        for office_id, change in changed.items():
            with dead_letters.writing_for(change.cause):
                boards.put(office_id, change.board)
        if requests or shown:
            await record([*requests, *shown])
            shown.clear()
        for office_id, (audience, cause) in audiences_changed.items():
            with dead_letters.writing_for(cause):
                audiences.put(office_id, audience)

    async def on_notification(message: Message) -> None:
        if isinstance(message, NotificationRequested) and (delivered := await sender.deliver(message)):
            await record([delivered])

    @app.agent(visits)
    async def display(stream: faust.StreamT[bytes]) -> None:
        async for batch in take_batches(stream):
            await dead_letters.handle_batch(batch, on_visit_events)

    @app.agent(notifications, concurrency=settings.send_concurrency)
    async def deliver(stream: faust.StreamT[bytes]) -> None:
        async for record_ in stream.events():
            await dead_letters.handle(record_, on_notification)

    return app
