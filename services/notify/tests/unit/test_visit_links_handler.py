"""VisitLinks with fakes for its ports (a dict of links, a fixed picture, a counting limit, a recording
publisher and canned replies): what a link opens or why not, and the queue's decision on a visitor's
act, as values."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import orjson
import pytest
from visitflow_events import HoldVisit, Message
from visitflow_notify.config import NotifySettings
from visitflow_notify.domain.board import ENDED_KEPT
from visitflow_notify.handlers import Refusal, Refused, VisitLinks
from visitflow_notify.handlers.visit_links import PENDING_AT_MOST
from visitflow_offices import FixedClock
from visitflow_platform.live import Frame
from visitflow_platform.replies import Decision, Outcome
from visitflow_platform.visit_links import VisitLink

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)


class Links:
    def __init__(self, *links: tuple[str, VisitLink]) -> None:
        self.links, self.revoked = dict(links), list[UUID]()

    async def resolve(self, token: str) -> VisitLink | None:
        return self.links.get(token)

    async def revoke(self, visit_id: UUID, office_id: str | None = None) -> bool:
        self.revoked.append(visit_id)
        return True


class Pictures:
    def __init__(self, visits: dict[str, dict[str, str]]) -> None:
        self.frame = Frame(
            "1-0", "visits", orjson.dumps({"office": "Halden", "lines": {}, "visits": visits}).decode()
        )

    async def snapshot(self, office_id: str) -> Frame:
        return self.frame

    async def subscribe(self, office_id: str, last_event_id: str | None = None) -> AsyncIterator[Frame]:
        yield self.frame


class Limit:
    def __init__(self, limit: int) -> None:
        self.limit, self.counted = limit, list[str]()

    async def exceeded(self, key: str) -> int | None:
        self.counted.append(key)
        return 17 if self.counted.count(key) > self.limit else None


class Publisher:
    def __init__(self) -> None:
        self.published: list[Message] = []

    async def publish(self, topic: str, message: Message) -> None:
        self.published.append(message)


class Replies:
    def __init__(self, reply: dict[str, object] | None) -> None:
        self.reply, self.kept = reply, dict[str, str]()

    def expect(self, key: str) -> asyncio.Future[str]:
        return asyncio.get_running_loop().create_future()

    async def wait(self, key: str, future: asyncio.Future[str], timeout_s: float) -> str | None:
        return None if self.reply is None else self.kept.setdefault(key, orjson.dumps(self.reply).decode())

    async def stored(self, key: str) -> str | None:
        return self.kept.get(key)


def link(visit_id: UUID, minted_at: datetime = NOW) -> VisitLink:
    return VisitLink(digest="l-abc", office_id="halden", visit_id=visit_id, minted_at=minted_at)


def visit_links(
    links: Links, stage: str | None, reply: dict[str, object] | None = None, limit: int = 60
) -> tuple[VisitLinks, Limit, Publisher]:
    visit_id = next(iter(links.links.values())).visit_id if links.links else uuid4()
    visits = {} if stage is None else {str(visit_id): {"stage": stage}}
    counted, publisher = Limit(limit), Publisher()
    handler = VisitLinks(
        NotifySettings(), links, Pictures(visits), counted, publisher, Replies(reply), FixedClock(NOW)
    )
    return handler, counted, publisher


async def test_an_unknown_link_opens_nothing_and_is_not_counted() -> None:
    handler, limit, _ = visit_links(Links(), None)
    assert await handler.open("guessed") == Refused(Refusal.UNKNOWN)
    assert limit.counted == []


async def test_a_waiting_visit_opens_and_a_link_over_its_rate_is_refused_with_when_to_retry() -> None:
    opened = link(uuid4())
    handler, limit, _ = visit_links(Links(("t", opened)), "waiting", limit=2)
    assert await handler.open("t") == opened
    assert await handler.open("t") == opened
    assert await handler.open("t") == Refused(Refusal.TOO_MANY, 17)
    assert limit.counted == ["link:l-abc"] * 3


@pytest.mark.parametrize(
    ("stage", "minted_ago", "over"),
    [("ended", timedelta(0), True), (None, timedelta(minutes=11), True), (None, timedelta(minutes=9), False)],
)
async def test_a_visit_over_or_never_queued_ends_its_link_for_good(
    stage: str | None, minted_ago: timedelta, over: bool
) -> None:
    opened = link(uuid4(), NOW - minted_ago)
    links = Links(("t", opened))
    handler, _, _ = visit_links(links, stage)
    assert (await handler.open("t") == Refused(Refusal.OVER)) is over
    assert links.revoked == ([opened.visit_id] if over else [])


async def test_the_stream_sends_the_visits_own_picture_and_counts_it_while_open() -> None:
    opened = link(uuid4())
    handler, _, _ = visit_links(Links(("t", opened)), "ended")
    frames = handler.frames(opened, None)
    first = await anext(frames)
    assert first[0] == "1-0"
    assert orjson.loads(first[1])["stage"] == "ended"
    assert handler.streams["l-abc"] == 1
    assert [f async for f in frames] == []  # the visit is over: the stream ends
    assert not handler.streams


@pytest.mark.parametrize(
    ("reply", "outcome", "code"),
    [
        (None, Outcome.PENDING, None),
        ({"rejected": {"code": "wrong_stage"}}, Outcome.REJECTED, "wrong_stage"),
        ({"fingerprint": "another act"}, Outcome.KEY_REUSED, None),
        ({"accepted": True}, Outcome.DONE, None),
    ],
)
async def test_an_act_is_the_queues_decision_on_a_command_for_the_links_own_visit(
    reply: dict[str, object] | None, outcome: Outcome, code: str | None
) -> None:
    opened = link(uuid4())
    handler, _, publisher = visit_links(Links(("t", opened)), "waiting", reply)
    act = await handler.command(opened, HoldVisit, "visitor-act-0001")
    assert act == Decision(outcome, act.command_id, code)
    [command] = publisher.published
    assert isinstance(command, HoldVisit)
    assert command.visit_id == opened.visit_id
    again = await handler.command(opened, HoldVisit, "visitor-act-0001")
    assert again.command_id == act.command_id
    assert len(publisher.published) == (2 if reply is None else 1)  # a stored decision is not asked again


def test_a_visit_over_stays_on_its_board_as_long_as_its_link_may_be_pending() -> None:
    # a link opened within PENDING_AT_MOST of its making, whose visit is over, must find it on the
    # board (and say it is over), not take it for one the queue has not placed yet
    assert ENDED_KEPT >= PENDING_AT_MOST
