"""NotifyHandlers with fakes for its ports (dicts as tables, recording feeds, topic and sender): what a
batch of visit events pushes, records and stores, and in which order; what a notification request does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
from visitflow_events import (
    Channel,
    Message,
    NotificationRequested,
    NotificationSent,
    Reason,
    VisitKind,
    VisitorCalled,
    VisitorCheckedIn,
    VisitorQueued,
)
from visitflow_notify.domain import CALLED, YOUR_PAGE, Audience, Board, outcome
from visitflow_notify.handlers import NotifyHandlers
from visitflow_offices import FixedClock, load_offices
from visitflow_platform.live import Outgoing
from visitflow_platform.settings import DEFAULT_OFFICES_FILE
from visitflow_platform.tables import ParsedTable

OFFICES = load_offices(DEFAULT_OFFICES_FILE)
NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # Monday 12:00 in Oslo
DAY = date(2026, 11, 23)


class RecordingFeed:
    def __init__(self, name: str, calls: list[str]) -> None:
        self.name = name
        self.calls = calls
        self.frames: list[Outgoing] = []
        self.failing = False

    async def publish_all(self, frames: Sequence[Outgoing]) -> list[str]:
        if self.failing:
            raise ConnectionError("Redis away")
        self.calls.append(self.name)
        self.frames.extend(frames)
        return [str(i) for i, _ in enumerate(frames)]


class RecordingFeeds:
    """The three channels, as one round trip would write them: all or nothing."""

    def __init__(self, *feeds: RecordingFeed) -> None:
        self.feeds = feeds
        self.round_trips = 0

    async def publish(
        self, display: Sequence[Outgoing], counsellors: Sequence[Outgoing], visitors: Sequence[Outgoing]
    ) -> None:
        if any(feed.failing for feed in self.feeds):
            raise ConnectionError("Redis away")
        self.round_trips += 1
        for feed, frames in zip(self.feeds, (display, counsellors, visitors), strict=True):
            await feed.publish_all(frames)


class RecordingTopic:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls
        self.recorded: list[Message] = []

    async def record(self, messages: Sequence[Message]) -> None:
        self.calls.append("notifications")
        self.recorded.extend(messages)


class FakeSender:
    def __init__(self) -> None:
        self.delivered: list[NotificationRequested] = []

    async def deliver(self, request: NotificationRequested) -> NotificationSent | None:
        if request.event_id in {r.event_id for r in self.delivered}:
            return None  # delivered before
        self.delivered.append(request)
        sent = outcome(request, request.channel, request.template, 1, NOW)
        assert isinstance(sent, NotificationSent)
        return sent


class Ports:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.display = RecordingFeed("display", self.calls)
        self.counsellors = RecordingFeed("counsellors", self.calls)
        self.visitors = RecordingFeed("visitors", self.calls)
        self.topic = RecordingTopic(self.calls)
        self.sender = FakeSender()
        self.boards = ParsedTable[Board]({}, Board, lambda o: Board(office_id=o))
        self.audiences = ParsedTable[Audience]({}, Audience, lambda o: Audience(office_id=o))
        self.feeds = RecordingFeeds(self.display, self.counsellors, self.visitors)
        self.handlers = NotifyHandlers(
            OFFICES,
            FixedClock(NOW),
            self.boards,
            self.audiences,
            self.feeds,
            self.topic,
            self.sender,
            display_calls=5,
            display_linger=timedelta(minutes=2),
        )


@pytest.fixture
def ports() -> Ports:
    return Ports()


def envelope(office_id: str = "halden") -> dict[str, Any]:
    return {
        "event_id": uuid4(),
        "occurred_at": NOW,
        "office_id": office_id,
        "correlation_id": uuid4(),
        "producer": "test",
        "business_date": DAY,
    }


def checked_in(visit_id: UUID, office_id: str = "halden") -> VisitorCheckedIn:
    return VisitorCheckedIn(
        **envelope(office_id),
        visit_id=visit_id,
        kind=VisitKind.DROP_IN,
        reason=Reason.OTHER,
        line_id="drop_in",
        sms_opt_in=True,
    )


def queued(visit_id: UUID, office_id: str = "halden") -> VisitorQueued:
    return VisitorQueued(
        **envelope(office_id),
        visit_id=visit_id,
        ticket="D-001",
        kind=VisitKind.DROP_IN,
        reason=Reason.OTHER,
        line_id="drop_in",
        checked_in_at=NOW,
        position=1,
        estimated_wait_s=0,
    )


def called(visit_id: UUID) -> VisitorCalled:
    return VisitorCalled(
        **envelope(),
        visit_id=visit_id,
        ticket="D-001",
        line_id="drop_in",
        room_id="samtalerom-1",
        call_number=1,
        up_next=(),
    )


async def test_a_call_is_pushed_to_the_display_then_its_sms_and_display_outcome_recorded_then_stored(
    ports: Ports,
) -> None:
    visit_id = uuid4()
    call = called(visit_id)
    await ports.handlers.handle_visit_events([checked_in(visit_id), queued(visit_id), call])

    assert [frame.type for frame in ports.display.frames][-1] == "VisitorCalled"
    assert "D-001" in (ports.display.frames[-1].snapshot or "")
    assert [(f.office_id, f.type) for f in ports.visitors.frames] == [("halden", "visits")]
    recorded = ports.topic.recorded
    assert [(type(m).__name__, getattr(m, "template", None)) for m in recorded] == [
        ("NotificationRequested", YOUR_PAGE),
        ("NotificationRequested", CALLED),
        ("NotificationSent", CALLED),
    ]
    sent = recorded[2]
    assert isinstance(sent, NotificationSent)
    assert (sent.channel, sent.causation_id, sent.attempts) == (Channel.DISPLAY, call.event_id, 1)
    assert ports.calls == ["display", "counsellors", "visitors", "notifications"]
    assert ports.feeds.round_trips == 1  # the batch's frames of all three channels together
    assert [c.ticket for c in ports.boards.get("halden").calls] == ["D-001"]
    assert ports.audiences.stored() == ["halden"]


async def test_a_batch_retried_after_redis_failed_pushes_again_and_counts_the_display_attempt(
    ports: Ports,
) -> None:
    visit_id = uuid4()
    batch: list[Message] = [checked_in(visit_id), queued(visit_id), called(visit_id)]
    ports.display.failing = True
    with pytest.raises(ConnectionError):
        await ports.handlers.handle_visit_events(batch)
    assert ports.topic.recorded == []
    assert ports.boards.stored() == []  # nothing stored before what it causes was done

    ports.display.failing = False
    await ports.handlers.handle_visit_events(batch)

    shown = [m for m in ports.topic.recorded if isinstance(m, NotificationSent)]
    assert [(m.channel, m.attempts) for m in shown] == [(Channel.DISPLAY, 2)]
    assert [type(m).__name__ for m in ports.topic.recorded].count("NotificationRequested") == 2


async def test_events_of_an_unknown_office_change_nothing(ports: Ports) -> None:
    visit_id = uuid4()
    await ports.handlers.handle_visit_events([checked_in(visit_id, "atlantis"), queued(visit_id, "atlantis")])

    assert ports.topic.recorded == []
    assert ports.boards.stored() == []
    assert ports.display.frames == ports.visitors.frames == []


async def test_a_request_is_delivered_and_its_outcome_recorded_once(ports: Ports) -> None:
    visit_id = uuid4()
    await ports.handlers.handle_visit_events([checked_in(visit_id), queued(visit_id), called(visit_id)])
    request = ports.topic.recorded[0]
    assert isinstance(request, NotificationRequested)
    ports.topic.recorded.clear()

    await ports.handlers.handle_notification(request)
    await ports.handlers.handle_notification(request)  # delivered again: the sender knows it
    await ports.handlers.handle_notification(queued(visit_id))  # not a request

    assert ports.sender.delivered == [request]
    assert [(type(m).__name__, m.causation_id) for m in ports.topic.recorded] == [
        ("NotificationSent", request.event_id)
    ]


async def test_reproject_pushes_every_stored_offices_pictures_as_fresh_snapshots(ports: Ports) -> None:
    visit_id = uuid4()
    await ports.handlers.handle_visit_events([checked_in(visit_id), queued(visit_id), called(visit_id)])
    for feed in (ports.display, ports.counsellors, ports.visitors):
        feed.frames.clear()

    assert await ports.handlers.reproject() == 1

    (display,) = ports.display.frames
    assert display.snapshot is not None
    assert "D-001" in display.snapshot
    assert orjson.loads(display.snapshot) == orjson.loads(display.data)
    assert [f.office_id for f in ports.counsellors.frames] == ["halden"]
    assert [f.office_id for f in ports.visitors.frames] == ["halden"]
