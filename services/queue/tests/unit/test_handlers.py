"""QueueHandlers with a recording outbox and plain dicts as tables: idempotent replies, no double emits."""

from __future__ import annotations

import asyncio
import importlib
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
import redis.asyncio as aioredis
from visitflow_events import (
    AppointmentBooked,
    CallNext,
    CloseDay,
    CloseRoom,
    CommandRejected,
    Event,
    OfficeDayClosed,
    Reason,
    RoomClosed,
    StartService,
    VisitKind,
    VisitorCalled,
    VisitorCheckedIn,
    VisitorQueued,
    WaitsEstimated,
)
from visitflow_events.waits import OfficeWaits
from visitflow_offices import FixedClock, OfficeDirectory, load_offices
from visitflow_queue.domain import OfficeQueue
from visitflow_queue.domain.estimates import TURNOVER_S, forecast
from visitflow_queue.handlers import visit_events as handlers_module
from visitflow_queue.handlers.visit_events import STAFFING_EVERY, QueueHandlers

# the module, which the package shadows with its function
decide_module = importlib.import_module("visitflow_queue.domain.decide")
CONFIG = Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml"
NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # Monday 12:30 in Oslo
DAY = date(2026, 11, 23)
OFFICES: OfficeDirectory = load_offices(CONFIG)


class RecordingOutbox:
    def __init__(self) -> None:
        self.emitted: list[Event] = []  # about visits
        # the lines' estimates published: as a `WaitsEstimated`, or on the `VisitorQueued` ending a batch
        self.estimated: list[WaitsEstimated | OfficeWaits] = []
        self.projected: list[tuple[str, list[Event], dict[str, Any]]] = []
        self.replies: list[tuple[str, dict[str, Any]]] = []
        self.refreshed: list[tuple[str, dict[str, Any]]] = []

    async def emit(self, events: list[Event]) -> None:
        self.emitted.extend(e for e in events if not isinstance(e, WaitsEstimated))
        for event in events:
            if isinstance(event, WaitsEstimated):
                self.estimated.append(event)
            elif isinstance(event, VisitorQueued) and event.waits is not None:
                self.estimated.append(event.waits)

    async def project(
        self,
        changes: list[tuple[str, list[Event], dict[str, Any]]],
        replies: list[tuple[str, dict[str, Any]]],
    ) -> None:
        self.projected.extend(changes)
        self.replies.extend(replies)

    async def refresh(self, views: list[tuple[str, dict[str, Any]]]) -> None:
        self.refreshed.extend(views)


def handlers() -> tuple[QueueHandlers, RecordingOutbox, FixedClock]:
    outbox = RecordingOutbox()
    clock = FixedClock(NOW)
    return QueueHandlers(offices=OFFICES, clock=clock, outbox=outbox, states={}, results={}), outbox, clock


def arrival(
    office_id: str = "loten", kind: VisitKind = VisitKind.DROP_IN, day: date = DAY
) -> VisitorCheckedIn:
    return VisitorCheckedIn(
        event_id=uuid4(),
        occurred_at=NOW,
        office_id=office_id,
        correlation_id=uuid4(),
        producer="checkin",
        visit_id=uuid4(),
        business_date=day,
        kind=kind,
        reason=Reason.CASE_STATUS,
        line_id="drop_in",
    )


def command_fields(office_id: str = "loten") -> dict[str, object]:
    return {
        "command_id": uuid4(),
        "occurred_at": NOW,
        "office_id": office_id,
        "correlation_id": uuid4(),
        "producer": "host-ui",
    }


async def test_a_check_in_is_queued_stored_projected_and_answered() -> None:
    queue, outbox, _ = handlers()
    event = arrival()

    await queue.handle(event)

    assert len(outbox.emitted) == 1
    queued = outbox.emitted[0]
    assert isinstance(queued, VisitorQueued)
    assert queued.ticket == "D-001"
    assert queued.occurred_at == NOW
    assert outbox.replies == [
        (
            str(event.visit_id),
            {
                "visit_id": str(event.visit_id),
                "ticket": "D-001",
                "line_id": "drop_in",
                "position": 1,
                "estimated_wait_s": TURNOVER_S,  # a room is free: called as a host turns to it
                "low_s": TURNOVER_S,
                "high_s": TURNOVER_S,
                "minutes": 5,
                "minutes_to": None,
            },
        )
    ]
    # the event carries what the visitor was told: the figure and its range
    assert (queued.estimated_wait_s, queued.estimated_low_s, queued.estimated_high_s) == (TURNOVER_S,) * 3
    (office_id, projected, view) = outbox.projected[0]
    assert office_id == "loten"
    assert projected == outbox.emitted  # the estimates ride on the VisitorQueued
    assert [visit["ticket"] for visit in view["waiting"]] == ["D-001"]
    stored = OfficeQueue.model_validate(queue.states["loten"])
    assert stored.tickets == {event.visit_id: "D-001"}
    assert queue.state("loten") == stored


async def test_a_duplicate_check_in_replies_with_the_same_ticket_and_emits_nothing() -> None:
    queue, outbox, clock = handlers()
    event = arrival()
    await queue.handle(arrival())
    await queue.handle(event)

    clock.advance(timedelta(minutes=2))
    await queue.handle(event)

    assert len(outbox.emitted) == 2
    assert len(outbox.projected) == 2
    first, again = outbox.replies[1], outbox.replies[2]
    assert first == again
    assert again[1]["ticket"] == "D-002"
    assert again[1]["position"] == 2


async def test_the_same_command_twice_emits_once_and_replies_twice_alike() -> None:
    queue, outbox, clock = handlers()
    await queue.handle(arrival())
    command = CallNext(**command_fields(), room_id="samtalerom-1")

    await queue.handle(command)
    state_after_first = queue.states["loten"]
    clock.advance(timedelta(seconds=30))
    await queue.handle(command)

    calls = [event for event in outbox.emitted if isinstance(event, VisitorCalled)]
    assert len(calls) == 1
    command_replies = [payload for key, payload in outbox.replies if key == str(command.command_id)]
    assert len(command_replies) == 2
    assert command_replies[0] == command_replies[1]
    assert command_replies[0]["events"][0]["type"] == "VisitorCalled"
    assert command_replies[0]["events"][0]["ticket"] == "D-001"
    assert queue.states["loten"] is state_after_first
    assert queue.results[str(command.command_id)]["result"] == command_replies[0]


async def test_a_command_id_used_again_for_another_command_is_answered_with_the_first_result() -> None:
    """The API tells a reused Idempotency-Key by the fingerprint the result carries; the worker never
    decides the second command, so a reused key changes nothing."""
    queue, outbox, _ = handlers()
    await queue.handle(arrival())
    await queue.handle(arrival())
    first = CallNext(**command_fields(), room_id="samtalerom-1")
    other = CallNext(**{**command_fields(), "command_id": first.command_id}, room_id="samtalerom-2")

    await queue.handle(first)
    await queue.handle(other)

    (answer, again) = [payload for key, payload in outbox.replies if key == str(first.command_id)]
    assert again == answer
    assert answer["fingerprint"] == first.fingerprint != other.fingerprint
    assert len([event for event in outbox.emitted if isinstance(event, VisitorCalled)]) == 1


class FlakyOutbox(RecordingOutbox):
    """Its projections fail while `failures` lasts (Redis away); it notes what the tables held when
    each step ran."""

    def __init__(self, queue_tables: dict[str, dict[str, Any]]) -> None:
        super().__init__()
        self.tables = queue_tables
        self.stored_at_emit: list[tuple[Any, int]] = []
        self.stored_at_project: list[tuple[Any, int]] = []
        self.refreshed: list[tuple[str, dict[str, Any]]] = []
        self.failures = 0

    def _stored(self) -> tuple[Any, int]:
        return self.tables["states"].get("loten"), len(self.tables["results"])

    async def emit(self, events: list[Event]) -> None:
        self.stored_at_emit.append(self._stored())
        await super().emit(events)

    async def project(
        self,
        changes: list[tuple[str, list[Event], dict[str, Any]]],
        replies: list[tuple[str, dict[str, Any]]],
    ) -> None:
        self.stored_at_project.append(self._stored())
        if self.failures:
            self.failures -= 1
            raise aioredis.ConnectionError("redis is away")
        await super().project(changes, replies)

    async def refresh(self, views: list[tuple[str, dict[str, Any]]]) -> None:
        self.refreshed.extend(views)


async def test_answers_follow_the_acknowledged_events_and_a_failed_push_stores_and_is_pushed_again() -> None:
    tables: dict[str, dict[str, Any]] = {"states": {}, "results": {}}
    outbox = FlakyOutbox(tables)
    queue = QueueHandlers(
        offices=OFFICES,
        clock=FixedClock(NOW),
        outbox=outbox,
        states=tables["states"],
        results=tables["results"],
    )
    await queue.handle(arrival())
    before = (tables["states"]["loten"], 0)
    outbox.failures = 1
    command = CallNext(**command_fields(), room_id="samtalerom-1")

    try:
        await queue.handle(command)
    except aioredis.ConnectionError:
        pass
    else:
        raise AssertionError("the projection's failure should reach the caller, which retries the batch")
    # the events went out, and the answers were sent, before the state and result were stored;
    # the failed projection still stored them
    assert outbox.stored_at_emit[-1] == outbox.stored_at_project[-1] == before
    assert tables["states"]["loten"] is not before[0]
    assert str(command.command_id) in tables["results"]

    await queue.handle(command)  # the batch's retry

    calls = [event for event in outbox.emitted if isinstance(event, VisitorCalled)]
    assert len(calls) == 1, "the retry decided the command again"
    (answer,) = [payload for key, payload in outbox.replies if key == str(command.command_id)]
    assert answer["events"][0]["ticket"] == "D-001"
    # the picture the failed push did not deliver is pushed whole, once
    [(office_id, view)] = outbox.refreshed
    assert office_id == "loten"
    assert [visit["ticket"] for visit in view["called"]] == ["D-001"]
    assert view["waiting"] == []
    await queue.handle(arrival())
    assert len(outbox.refreshed) == 1


async def test_a_commands_result_is_kept_an_hour_then_deleted_by_the_offices_next_command() -> None:
    queue, _, clock = handlers()
    for office_id in ("loten", "hamar"):
        await queue.handle(arrival(office_id))
    first = CallNext(**command_fields(), room_id="samtalerom-1")
    elsewhere = CallNext(**command_fields("hamar"), room_id="samtalerom-1")
    await queue.handle_batch([first, elsewhere])

    clock.advance(timedelta(minutes=59))
    await queue.handle(CallNext(**command_fields(), room_id="samtalerom-2"))
    assert str(first.command_id) in queue.results  # a retry within the hour is answered again
    clock.advance(timedelta(minutes=1))
    later = CallNext(**command_fields(), room_id="samtalerom-3")
    await queue.handle(later)

    assert str(first.command_id) not in queue.results
    assert str(later.command_id) in queue.results
    assert str(elsewhere.command_id) in queue.results  # hamar sent nothing since: nothing to write with
    assert len(queue.results) == 3


async def test_results_found_in_the_table_at_start_expire_too() -> None:
    queue, _, clock = handlers()
    await queue.handle(arrival())
    old = CallNext(**command_fields(), room_id="samtalerom-1")
    await queue.handle(old)
    restarted = QueueHandlers(
        offices=OFFICES, clock=clock, outbox=RecordingOutbox(), states=queue.states, results=queue.results
    )

    clock.advance(timedelta(hours=1))
    await restarted.handle(CallNext(**command_fields(), room_id="samtalerom-2"))

    assert str(old.command_id) not in restarted.results
    assert len(restarted.results) == 1


async def test_a_rejected_command_replies_rejected_and_emits_nothing() -> None:
    queue, outbox, _ = handlers()
    command = CallNext(**command_fields(), room_id="samtalerom-1")

    await queue.handle(command)

    assert outbox.emitted == []
    assert outbox.projected == []
    assert "loten" not in queue.states
    ((key, payload),) = outbox.replies
    assert key == str(command.command_id)
    assert set(payload) == {"fingerprint", "rejected"}
    rejection = payload["rejected"]
    assert rejection["type"] == CommandRejected.__name__
    assert rejection["code"] == "nobody_waiting"
    assert rejection["command_id"] == str(command.command_id)


async def test_a_rejected_command_repeated_gives_the_same_answer_even_if_it_would_now_succeed() -> None:
    queue, outbox, _ = handlers()
    command = CallNext(**command_fields(), room_id="samtalerom-1")
    await queue.handle(command)
    await queue.handle(arrival())

    await queue.handle(command)

    replies = [payload for key, payload in outbox.replies if key == str(command.command_id)]
    assert len(replies) == 2
    assert replies[0] == replies[1]
    assert not any(isinstance(event, VisitorCalled) for event in outbox.emitted)


async def test_commands_are_decided_against_the_stored_state() -> None:
    queue, outbox, clock = handlers()
    visitor = arrival()
    await queue.handle(visitor)
    await queue.handle(CallNext(**command_fields(), room_id="samtalerom-1"))
    clock.advance(timedelta(minutes=1))

    await queue.handle(StartService(**command_fields(), visit_id=visitor.visit_id))

    assert [type(event).__name__ for event in outbox.emitted] == [
        "VisitorQueued",
        "VisitorCalled",
        "ServiceStarted",
    ]
    assert outbox.emitted[-1].occurred_at == NOW + timedelta(minutes=1)


async def test_each_stored_state_is_the_whole_state_as_json_though_dumped_from_its_changes() -> None:
    queue, _, clock = handlers()
    visitors = [arrival() for _ in range(3)]
    await queue.handle_batch(visitors[:2])
    before = queue.states["loten"]
    await queue.handle(visitors[2])
    await queue.handle(CallNext(**command_fields(), room_id="samtalerom-1"))
    clock.advance(timedelta(minutes=1))
    await queue.handle(StartService(**command_fields(), visit_id=visitors[0].visit_id))

    stored = queue.states["loten"]
    assert stored == queue.state("loten").model_dump(mode="json")
    assert OfficeQueue.model_validate(stored) == queue.state("loten")
    unchanged = str(visitors[1].visit_id)  # neither called nor started: its part dumped once
    assert stored["visits"][unchanged] is before["visits"][unchanged]


async def test_the_stored_state_keeps_the_learned_days_as_json_writes_them() -> None:
    queue, _, clock = handlers()
    for day in range(3):  # the first is the state's first day, the second is counted whole
        await queue.handle(arrival(day=DAY + timedelta(days=day)))
        clock.advance(timedelta(days=1))

    assert queue.state("loten").history.days == {(DAY + timedelta(days=1)).weekday(): 1}
    assert queue.states["loten"] == queue.state("loten").model_dump(mode="json")


async def test_a_check_in_on_the_next_day_closes_the_previous_one() -> None:
    queue, outbox, clock = handlers()
    await queue.handle(arrival())
    clock.advance(timedelta(days=1))

    await queue.handle(arrival(day=DAY + timedelta(days=1)))

    assert [type(event).__name__ for event in outbox.emitted] == [
        "VisitorQueued",
        "VisitClosedAtDayEnd",
        "OfficeDayClosed",
        "VisitorQueued",
    ]
    assert isinstance(outbox.emitted[2], OfficeDayClosed)
    assert outbox.replies[-1][1]["ticket"] == "D-001"


async def test_messages_for_unknown_offices_are_ignored() -> None:
    queue, outbox, _ = handlers()

    await queue.handle(arrival(office_id="atlantis"))
    await queue.handle(CallNext(**command_fields("atlantis"), room_id="samtalerom-1"))

    assert outbox.emitted == []
    assert outbox.replies == []
    assert queue.states == {}
    assert queue.results == {}


async def test_the_queues_own_events_are_not_handled() -> None:
    queue, outbox, _ = handlers()
    await queue.handle(arrival())

    await queue.handle(outbox.emitted[0])

    assert len(outbox.emitted) == 1
    assert len(outbox.replies) == 1


async def test_offices_keep_separate_queues() -> None:
    queue, outbox, _ = handlers()

    await queue.handle(arrival("loten"))
    await queue.handle(arrival("halden"))

    assert [reply["ticket"] for _, reply in outbox.replies] == ["D-001", "D-001"]
    assert set(queue.states) == {"loten", "halden"}


async def test_a_day_end_is_logged_with_what_it_did_in_counts_only(caplog: pytest.LogCaptureFixture) -> None:
    queue, _, clock = handlers()
    await queue.handle(arrival())
    await queue.handle(arrival(kind=VisitKind.EMERGENCY))
    clock.advance(timedelta(hours=4))

    with caplog.at_level(logging.INFO, logger="visitflow_queue.handlers"):
        await queue.handle(CloseDay(**command_fields(), business_date=DAY))

    (record,) = [r for r in caplog.records if r.getMessage() == "office day closed"]
    counts = {name: getattr(record, name) for name in ("office_id", "closed", "completed", "carried_over")}
    assert counts == {"office_id": "loten", "closed": 1, "completed": 0, "carried_over": 1}
    assert record.business_date == "2026-11-23"  # type: ignore[attr-defined]
    assert "D-001" not in caplog.text  # counts, no tickets


async def test_a_picture_the_time_changed_is_pushed_again_without_any_event() -> None:
    queue, outbox, clock = handlers()
    helper = arrival().model_copy(update={"reason": Reason.SELF_SERVICE_HELP, "line_id": "self_service"})
    await queue.handle(helper)
    clock.advance(timedelta(minutes=10))
    await queue.handle(arrival().model_copy(update={"occurred_at": NOW + timedelta(minutes=10)}))

    clock.advance(timedelta(minutes=35))  # the self-service visitor has waited exactly 45 minutes
    assert await queue.refresh_with_time() == 0
    clock.advance(timedelta(seconds=1))
    assert await queue.refresh_with_time() == 1

    ((office_id, view),) = outbox.refreshed
    assert office_id == "loten"
    assert [visit["ticket"] for visit in view["waiting"]] == ["S-001", "D-001"]
    assert await queue.refresh_with_time() == 0  # pushed once


class OrderedOutbox(RecordingOutbox):
    """Which office's picture went out when: a batch's (`project`) or the timer's (`refresh`)."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[tuple[str, str]] = []

    async def project(
        self,
        changes: list[tuple[str, list[Event], dict[str, Any]]],
        replies: list[tuple[str, dict[str, Any]]],
    ) -> None:
        self.order += [("batch", office_id) for office_id, _, _ in changes]
        await super().project(changes, replies)

    async def refresh(self, views: list[tuple[str, dict[str, Any]]]) -> None:
        self.order += [("timer", office_id) for office_id, _ in views]
        await super().refresh(views)


async def test_a_batch_goes_between_the_slices_of_the_timers_work_over_the_offices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(handlers_module, "TIMER_SLICE", 1)
    outbox, clock = OrderedOutbox(), FixedClock(NOW)
    queue = QueueHandlers(offices=OFFICES, clock=clock, outbox=outbox, states={}, results={})
    for office_id in ("loten", "hamar"):  # a visitor in each who will have waited past the limit
        await queue.handle(
            arrival(office_id).model_copy(
                update={"reason": Reason.SELF_SERVICE_HELP, "line_id": "self_service"}
            )
        )
        await queue.handle(arrival(office_id).model_copy(update={"occurred_at": NOW + timedelta(minutes=10)}))
    clock.advance(timedelta(minutes=46))
    outbox.order.clear()

    timer = asyncio.create_task(queue.refresh_with_time())
    await asyncio.sleep(0)  # the timer has begun
    await queue.handle(arrival("halden"))  # meanwhile a batch of another office

    assert await timer == 2
    # the batch did not wait for the timer's work over every office
    assert outbox.order[0] == ("batch", "halden")
    assert sorted(outbox.order[1:]) == [("timer", "hamar"), ("timer", "loten")]


class RefreshFailsOnce(RecordingOutbox):
    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    async def refresh(self, views: list[tuple[str, dict[str, Any]]]) -> None:
        if not self.failed:
            self.failed = True
            raise aioredis.ConnectionError("redis is away")
        await super().refresh(views)


async def test_a_picture_the_time_changed_that_could_not_be_pushed_is_pushed_by_the_next_batch() -> None:
    outbox = RefreshFailsOnce()
    clock = FixedClock(NOW)
    queue = QueueHandlers(offices=OFFICES, clock=clock, outbox=outbox, states={}, results={})
    await queue.handle(
        arrival().model_copy(update={"reason": Reason.SELF_SERVICE_HELP, "line_id": "self_service"})
    )
    await queue.handle(arrival().model_copy(update={"occurred_at": NOW + timedelta(minutes=10)}))
    clock.advance(timedelta(minutes=46))

    with pytest.raises(aioredis.ConnectionError):
        await queue.refresh_with_time()
    assert outbox.refreshed == []
    await queue.handle(arrival("hamar"))  # a batch of another office: the push is made good

    ((office_id, view),) = outbox.refreshed
    assert office_id == "loten"
    assert [visit["ticket"] for visit in view["waiting"]] == ["S-001", "D-001"]


async def test_the_lines_estimates_are_published_when_they_change_and_agree_with_the_answer() -> None:
    queue, outbox, _ = handlers()
    first, second = arrival(), arrival()

    await queue.handle(first)
    await queue.handle(first)  # delivered again: nothing changes, nothing is published
    await queue.handle(second)

    assert len(outbox.estimated) == 2
    published = {line.line_id: line for line in outbox.estimated[-1].lines}
    answer = dict(outbox.replies)[str(second.visit_id)]
    assert published["drop_in"].waiting == 2
    assert published["drop_in"].estimate.expected_s == answer["estimated_wait_s"]
    (_, events, view) = outbox.projected[-1]
    assert isinstance(events[-1], VisitorQueued)
    assert events[-1].waits == outbox.estimated[-1]  # the tablet's frame carries it too
    line = next(line for line in view["lines"] if line["line_id"] == "drop_in")
    assert line["expected_wait_s"] == answer["estimated_wait_s"]
    assert (line["minutes"], line["minutes_to"]) == (answer["minutes"], answer["minutes_to"])


async def test_a_check_in_batchs_estimates_ride_on_its_last_queueing_and_a_commands_follow_it() -> None:
    queue, outbox, _ = handlers()
    first, second = arrival(), arrival()
    await queue.handle_batch([first, second])

    (_, events, _) = outbox.projected[-1]
    assert [type(event) for event in events] == [VisitorQueued, VisitorQueued]  # no WaitsEstimated
    assert isinstance(events[0], VisitorQueued)
    assert events[0].waits is None
    assert isinstance(events[1], VisitorQueued)
    assert events[1].waits is not None
    after = {line.line_id: line for line in events[1].waits.lines}
    assert after["drop_in"].waiting == 2  # after the whole batch
    assert after["drop_in"].estimate.expected_s == events[1].estimated_wait_s

    await queue.handle(CloseRoom(**command_fields(), room_id="samtalerom-3"))
    (_, events, _) = outbox.projected[-1]
    closed_then_estimated: list[type[Event]] = [RoomClosed, WaitsEstimated]
    assert [type(event) for event in events] == closed_then_estimated
    assert isinstance(events[-1], WaitsEstimated)
    assert [o.rooms for o in events[-1].staffing if o.as_now] == [2]


async def test_the_staffing_hint_is_published_with_the_estimates_and_again_when_only_it_changes() -> None:
    queue, outbox, _ = handlers()
    await queue.handle(arrival())
    hint = outbox.estimated[-1].staffing
    (_, _, view) = outbox.projected[-1]
    # what the dashboard is sent is what the tablet shows
    assert [(o.rooms, o.expected_wait_s, o.as_now) for o in hint] == [
        (o["rooms"], o["expected_wait_s"], o["now"]) for o in view["staffing"]
    ]
    assert [o.rooms for o in hint if o.as_now] == [3]

    await queue.handle(CloseRoom(**command_fields(), room_id="samtalerom-3"))

    assert len(outbox.estimated) == 2
    assert [o.rooms for o in outbox.estimated[-1].staffing if o.as_now] == [2]


async def test_a_check_in_answer_is_the_estimate_the_tablet_shows_after_its_batch() -> None:
    queue, outbox, _ = handlers()
    drop_ins = [arrival() for _ in range(5)]
    urgent = arrival(kind=VisitKind.EMERGENCY).model_copy(
        update={"reason": Reason.EMERGENCY_ASSISTANCE, "line_id": "emergency"}
    )

    # one batch: the last drop-in, then an emergency who goes before them all
    await queue.handle_batch([*drop_ins, urgent])

    answers = dict(outbox.replies)
    (_, _, view) = outbox.projected[-1]
    last = answers[str(drop_ins[-1].visit_id)]
    shown = view["waits"][str(drop_ins[-1].visit_id)]
    assert (last["estimated_wait_s"], last["minutes"]) == (shown["expected_wait_s"], shown["minutes"])
    assert last["position"] == 6  # behind the emergency too
    assert answers[str(urgent.visit_id)]["position"] == 1
    # the events say the places the answers and the picture do
    places = {e.visit_id: e.position for e in outbox.emitted if isinstance(e, VisitorQueued)}
    assert places[drop_ins[-1].visit_id] == 6
    assert places[urgent.visit_id] == 1
    assert {str(k): v for k, v in places.items()} == {v["visit_id"]: v["position"] for v in view["waiting"]}


async def test_a_batch_forecasts_each_office_once_and_its_events_quote_what_the_visitors_were_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue, outbox, _ = handlers()
    forecasts: list[str] = []

    def counted(state: OfficeQueue, *args: Any, **kwargs: Any) -> Any:
        forecasts.append(state.office_id)
        return forecast(state, *args, **kwargs)

    monkeypatch.setattr(handlers_module, "forecast", counted)
    drop_ins = [arrival() for _ in range(5)]
    urgent = arrival(kind=VisitKind.EMERGENCY).model_copy(
        update={"reason": Reason.EMERGENCY_ASSISTANCE, "line_id": "emergency"}
    )

    await queue.handle_batch([*drop_ins, arrival("hamar"), urgent])

    assert sorted(forecasts) == ["hamar", "loten"]
    answers = dict(outbox.replies)
    queued = {str(e.visit_id): e for e in outbox.emitted if isinstance(e, VisitorQueued)}
    assert len(queued) == 7
    # the drop-ins' quotes are after the emergency who came later in the batch, as they were told
    told = {
        visit_id: (event.estimated_wait_s, event.estimated_low_s, event.estimated_high_s)
        for visit_id, event in queued.items()
    }
    assert told == {
        visit_id: (answer["estimated_wait_s"], answer["low_s"], answer["high_s"])
        for visit_id, answer in answers.items()
    }
    last = queued[str(drop_ins[-1].visit_id)]
    assert last.estimated_wait_s > 0
    assert last.estimated_low_s is not None
    assert last.estimated_high_s is not None
    assert last.estimated_low_s < last.estimated_wait_s < last.estimated_high_s  # a range, told as it was


async def test_a_call_tells_those_next_the_waits_of_the_batchs_one_forecast_with_the_days_bookings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue, outbox, _ = handlers()
    for n in range(6):
        await queue.handle(booked_soon(n))
    drop_ins = [arrival() for _ in range(8)]
    await queue.handle_batch(drop_ins)
    for room in ("samtalerom-1", "samtalerom-2"):  # every room busy after the call: the next wait
        await queue.handle(CallNext(**command_fields(), room_id=room))
    outbox.emitted.clear()
    forecasts: list[str] = []

    def counted(state: OfficeQueue, *args: Any, **kwargs: Any) -> Any:
        forecasts.append(state.office_id)
        return forecast(state, *args, **kwargs)

    monkeypatch.setattr(handlers_module, "forecast", counted)
    monkeypatch.setattr(decide_module, "forecast", counted)

    await queue.handle(CallNext(**command_fields(), room_id="samtalerom-3"))

    assert forecasts == ["loten"]  # the call itself plays nothing forward: the batch's forecast serves
    called = next(e for e in outbox.emitted if isinstance(e, VisitorCalled))
    assert called.up_next == tuple(v.visit_id for v in drop_ins[3:6])
    state, office = queue.state("loten"), OFFICES.office("loten")
    assert office is not None
    told = forecast(state, office, NOW, OFFICES.timezone, queue.day("loten", DAY)).visits
    assert called.up_next_waits == tuple(told[v].event() for v in called.up_next)
    assert called.up_next_waits != tuple(
        forecast(state, office, NOW, OFFICES.timezone).visits[v].event() for v in called.up_next
    )


async def test_a_call_names_the_waits_of_those_next_only_while_they_still_wait_after_the_batch() -> None:
    queue, outbox, _ = handlers()
    drop_ins = [arrival() for _ in range(5)]
    await queue.handle_batch(drop_ins)

    await queue.handle_batch(
        [
            CallNext(**command_fields(), room_id="samtalerom-1"),
            CallNext(**command_fields(), room_id="samtalerom-2"),
        ]
    )

    first, second = (e for e in outbox.emitted if isinstance(e, VisitorCalled))
    # the first call named the second's visitor first: called in the same batch, they wait no more,
    # and the waits of those after them are not shifted onto the wrong visitors
    assert first.up_next[0] == second.visit_id
    assert first.up_next_waits == ()
    assert len(second.up_next_waits) == len(second.up_next) == 3
    office = OFFICES.office("loten")
    assert office is not None
    told = forecast(queue.state("loten"), office, NOW, OFFICES.timezone, queue.day("loten", DAY)).visits
    assert second.up_next_waits == tuple(told[v].event() for v in second.up_next)


async def test_the_staffing_hint_is_made_again_by_the_timer_not_by_a_batch_of_check_ins() -> None:
    queue, outbox, clock = handlers()
    await queue.handle(arrival())
    first = outbox.projected[-1][2]["staffing"]

    clock.advance(STAFFING_EVERY + timedelta(minutes=1))
    for _ in range(12):  # a busy hour's arrivals: the next hour looks different
        await queue.handle(arrival().model_copy(update={"occurred_at": clock.now()}))
    assert outbox.projected[-1][2]["staffing"] == first  # the batches paid for no new hint

    await queue.refresh_with_time()  # the timer makes it again
    await queue.handle(arrival().model_copy(update={"occurred_at": clock.now()}))
    view = outbox.projected[-1][2]
    assert view["staffing"] != first
    assert [o.expected_wait_s for o in outbox.estimated[-1].staffing] == [
        o["expected_wait_s"] for o in view["staffing"]
    ]


async def test_a_day_is_due_to_close_half_an_hour_after_closing_or_once_passed_asked_alike() -> None:
    queue, _, _ = handlers()
    await queue.handle(arrival())  # Løten closes at 15:30 on a Monday
    oslo = ZoneInfo("Europe/Oslo")

    assert queue.days_to_close(datetime(2026, 11, 23, 15, 59, tzinfo=oslo)) == []
    (due,) = queue.days_to_close(datetime(2026, 11, 23, 16, 0, tzinfo=oslo))
    (again,) = queue.days_to_close(datetime(2026, 11, 23, 16, 5, tzinfo=oslo))
    (next_morning,) = queue.days_to_close(datetime(2026, 11, 24, 7, 0, tzinfo=oslo))
    assert (due.office_id, due.business_date, due.producer) == ("loten", DAY, "queue-rollover")
    assert due.command_id == again.command_id == next_morning.command_id

    await queue.handle(due)
    assert queue.days_to_close(datetime(2026, 11, 24, 7, 0, tzinfo=oslo)) == []  # closed


async def test_appointments_are_checked_once_a_booking_is_past_its_grace_period_with_the_minutes_id() -> None:
    queue, _, clock = handlers()
    booking = AppointmentBooked(
        event_id=uuid4(),
        occurred_at=NOW - timedelta(days=2),
        office_id="loten",
        correlation_id=uuid4(),
        producer="checkin",
        booking_id="TA-LATE",
        business_date=DAY,
        counsellor_id="veileder-1",
        starts_at=NOW,
        duration_minutes=30,
        reason=Reason.COUNSELLOR_APPOINTMENT,
    )
    await queue.handle(booking)

    assert queue.appointments_to_check(NOW + timedelta(minutes=14)) == []  # within the grace period
    (check,) = queue.appointments_to_check(NOW + timedelta(minutes=16))
    (same,) = queue.appointments_to_check(NOW + timedelta(minutes=16, seconds=30))
    assert (check.office_id, check.business_date, check.producer) == ("loten", DAY, "queue-timer")
    assert check.command_id == same.command_id

    clock.advance(timedelta(minutes=16))
    await queue.handle(check)  # decided missed: nothing more to check
    assert queue.appointments_to_check(NOW + timedelta(minutes=17)) == []


async def test_the_rollover_asks_to_close_the_day_with_redis_away_and_pushes_nothing_in_recovery() -> None:
    outbox = RefreshFailsOnce()
    clock = FixedClock(NOW)
    queue = QueueHandlers(offices=OFFICES, clock=clock, outbox=outbox, states={}, results={})
    await queue.handle(arrival())  # Løten closes at 15:30 on a Monday
    clock.advance(datetime(2026, 11, 23, 16, 0, tzinfo=ZoneInfo("Europe/Oslo")) - NOW)  # the day is due

    (close,) = await queue.rollover(in_recovery=True)
    assert isinstance(close, CloseDay)
    assert close.office_id == "loten"
    assert not outbox.failed  # no push tried while the tables are restored

    assert [type(c) for c in await queue.rollover()] == [CloseDay]  # the push failed, the close is asked
    assert outbox.failed


async def test_the_read_model_healer_gets_every_held_offices_picture_again() -> None:
    queue, outbox, _ = handlers()
    await queue.handle(arrival("loten"))
    await queue.handle(arrival("halden"))

    assert await queue.reproject() == 2
    assert sorted(office_id for office_id, _ in outbox.refreshed) == ["halden", "loten"]


def booked_soon(n: int) -> AppointmentBooked:
    """A booking at Løten today, 10 + 5n minutes from now."""
    return AppointmentBooked(
        event_id=uuid4(),
        occurred_at=NOW - timedelta(days=1),
        office_id="loten",
        correlation_id=uuid4(),
        producer="checkin",
        booking_id=f"TA-SOON{n}",
        business_date=DAY,
        counsellor_id="veileder-1",
        starts_at=NOW + timedelta(minutes=10 + 5 * n),
        duration_minutes=30,
        reason=Reason.COUNSELLOR_APPOINTMENT,
    )


async def test_the_forecast_expects_the_days_bookings_to_come() -> None:
    queue, outbox, _ = handlers()
    for n in range(6):
        await queue.handle(booked_soon(n))
    drop_ins = [arrival() for _ in range(8)]

    await queue.handle_batch(drop_ins)

    state, office = queue.state("loten"), OFFICES.office("loten")
    assert office is not None
    zone = OFFICES.timezone
    last = drop_ins[-1].visit_id
    with_bookings = forecast(state, office, NOW, zone, queue.day("loten", DAY)).visits[last].expected_s
    without = forecast(state, office, NOW, zone).visits[last].expected_s
    assert with_bookings != without  # the bookings change this visitor's figure
    assert dict(outbox.replies)[str(last)]["estimated_wait_s"] == with_bookings
