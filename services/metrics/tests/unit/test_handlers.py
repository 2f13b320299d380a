"""MetricsHandlers with fakes for its ports (a dict as the table, recording read model and history): what
a batch of visit events does to the office days, the history and the read model."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
from visitflow_events import (
    Reason,
    RoomOpened,
    VisitCarriedOver,
    VisitKind,
    VisitorQueued,
    VisitStage,
)
from visitflow_metrics.domain import DaySummary, OfficeDays, OpenFollowUps
from visitflow_metrics.handlers import MetricsHandlers
from visitflow_offices import load_offices
from visitflow_platform.settings import DEFAULT_OFFICES_FILE
from visitflow_platform.tables import ParsedTable

OFFICES = load_offices(DEFAULT_OFFICES_FILE)
NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # 12:30 in Oslo
DAY = date(2026, 11, 23)


class RecordingStore:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls
        self.follow_ups: list[OpenFollowUps] = []
        self.written: list[tuple[DaySummary, str, str | None]] = []

    async def write_follow_ups(self, writes: Sequence[OpenFollowUps]) -> int:
        self.calls.append("follow_ups")
        self.follow_ups.extend(writes)
        return len(writes)

    async def write_all(self, writes: Sequence[tuple[DaySummary, str, str | None]]) -> int:
        self.calls.append("read_model")
        self.written.extend(writes)
        return len(writes)


class RecordingHistory:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls
        self.published: list[DaySummary] = []

    async def publish(self, summaries: Sequence[DaySummary]) -> None:
        self.calls.append("history")
        self.published.extend(summaries)


@pytest.fixture
def calls() -> list[str]:
    return []


@pytest.fixture
def handlers(calls: list[str]) -> MetricsHandlers:
    days = ParsedTable[OfficeDays]({}, OfficeDays, lambda _: OfficeDays())
    return MetricsHandlers(OFFICES, days, RecordingStore(calls), RecordingHistory(calls))


def envelope(office_id: str = "loten") -> dict[str, Any]:
    return {
        "event_id": uuid4(),
        "occurred_at": NOW,
        "office_id": office_id,
        "correlation_id": uuid4(),
        "producer": "test",
    }


def queued(office_id: str = "loten", visit_id: UUID | None = None) -> VisitorQueued:
    return VisitorQueued(
        **envelope(office_id),
        visit_id=visit_id or uuid4(),
        business_date=DAY,
        ticket="D-001",
        kind=VisitKind.DROP_IN,
        reason=Reason.CASE_STATUS,
        line_id="drop_in",
        checked_in_at=NOW,
        position=1,
        estimated_wait_s=0,
    )


def store(handlers: MetricsHandlers) -> RecordingStore:
    assert isinstance(handlers.store, RecordingStore)
    return handlers.store


def history(handlers: MetricsHandlers) -> RecordingHistory:
    assert isinstance(handlers.history, RecordingHistory)
    return handlers.history


async def test_a_batch_publishes_each_changed_office_day_once_to_the_history_then_the_read_model(
    handlers: MetricsHandlers, calls: list[str]
) -> None:
    await handlers.handle_batch([queued("loten"), queued("loten"), queued("halden")])

    published = {(s.office_id, s.business_date): s.waiting for s in history(handlers).published}
    assert published == {("loten", DAY): 2, ("halden", DAY): 1}
    written = store(handlers).written
    assert [(s.office_id, region) for s, region, _ in written] == [
        ("loten", OFFICES.offices["loten"].region_id),
        ("halden", OFFICES.offices["halden"].region_id),
    ]
    assert all(orjson.loads(live or "{}")["office_id"] == s.office_id for s, _, live in written)
    assert calls == ["follow_ups", "history", "read_model"]  # the history never lags behind the read model
    assert handlers.days.get("loten").days[DAY].summary().waiting == 2


async def test_an_event_delivered_again_changes_nothing(handlers: MetricsHandlers) -> None:
    event = queued()
    await handlers.handle_batch([event])
    await handlers.handle_batch([event])

    assert [s.waiting for s in history(handlers).published] == [1]
    assert [s.waiting for s, _, _ in store(handlers).written] == [1]


async def test_unknown_offices_and_other_messages_are_left_out(handlers: MetricsHandlers) -> None:
    opened = RoomOpened(**envelope(), business_date=DAY, room_id="r1")
    await handlers.handle_batch([queued("atlantis"), opened])

    assert history(handlers).published == []
    assert store(handlers).written == []
    assert handlers.days.stored() == []


async def test_a_carried_over_visit_goes_to_the_follow_ups_and_is_projected_again_after_redis_lost_them(
    handlers: MetricsHandlers,
) -> None:
    visit_id = uuid4()
    carried = VisitCarriedOver(
        **envelope(),
        visit_id=visit_id,
        business_date=DAY,
        ticket="A-001",
        kind=VisitKind.EMERGENCY,
        stage=VisitStage.WAITING,
        line_id="emergency",
        checked_in_at=NOW,
    )
    await handlers.handle_batch([queued(visit_id=visit_id), carried])

    assert [(f.office_id, f.version, f.since) for f in store(handlers).follow_ups] == [("loten", 1, (NOW,))]

    store(handlers).follow_ups.clear()
    assert await handlers.reproject() == 1
    assert [(f.office_id, f.since) for f in store(handlers).follow_ups] == [("loten", (NOW,))]
