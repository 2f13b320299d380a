"""An office's day in the metrics: the service-level target, service times, transfers, hold, which
removal an undo takes back and in which hour, and the follow-ups kept across days. Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from visitflow_events import (
    FollowUpResolved,
    Outcome,
    Reason,
    ServiceCompleted,
    ServiceStarted,
    StaffingOption,
    VisitCarriedOver,
    VisitClosedAtDayEnd,
    VisitEvent,
    VisitHeld,
    VisitKind,
    VisitorCalled,
    VisitorQueued,
    VisitRestored,
    VisitStage,
    VisitTransferred,
    WaitsEstimated,
)
from visitflow_events.waits import OfficeWaits
from visitflow_metrics.domain import DayRules, OfficeDay, OfficeDays, Stage, apply
from visitflow_metrics.domain.day import ENDED_KEPT
from visitflow_metrics.domain.figures import live_view
from visitflow_offices import load_offices
from visitflow_offices.model import UNDO_SECONDS_MAX
from visitflow_platform.settings import DEFAULT_OFFICES_FILE

NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # 12:30 in Oslo
DAY = date(2026, 11, 23)
RULES = DayRules(service_level_s=15 * 60, zone=ZoneInfo("Europe/Oslo"))
LOTEN = load_offices(DEFAULT_OFFICES_FILE).offices["loten"]


def _about(visit_id: UUID, minutes: float = 0, day: date = DAY) -> dict[str, Any]:
    return {
        "event_id": uuid4(),
        "occurred_at": NOW + timedelta(minutes=minutes),
        "office_id": "loten",
        "correlation_id": uuid4(),
        "producer": "queue",
        "visit_id": visit_id,
        "business_date": day,
        "ticket": "D-001",
    }


def _queued(visit_id: UUID, minutes: float = 0, line_id: str = "drop_in") -> VisitorQueued:
    return VisitorQueued(
        **_about(visit_id, minutes),
        kind=VisitKind.DROP_IN,
        reason=Reason.CASE_STATUS,
        line_id=line_id,
        checked_in_at=NOW + timedelta(minutes=minutes),
        position=1,
        estimated_wait_s=0,
    )


def _called(visit_id: UUID, minutes: float, call_number: int = 1) -> VisitorCalled:
    return VisitorCalled(
        **_about(visit_id, minutes), line_id="drop_in", room_id="samtalerom-1", call_number=call_number
    )


def _completed(visit_id: UUID, minutes: float) -> ServiceCompleted:
    return ServiceCompleted(**_about(visit_id, minutes), room_id="samtalerom-1", outcome=Outcome.SERVED)


def _play(*events: VisitEvent | WaitsEstimated, day: OfficeDay | None = None) -> OfficeDay:
    day = day or OfficeDay(office_id="loten", business_date=DAY)
    for event in events:
        day = apply(day, event, RULES) or day
    return day


def test_a_first_call_within_the_service_level_counts_at_the_target_and_not_a_second_after() -> None:
    on_time, late = uuid4(), uuid4()

    day = _play(_queued(on_time), _queued(late), _called(on_time, 15), _called(late, 15 + 1 / 60))

    assert day.counters["called"] == 2
    assert day.counters["called_within_target"] == 1
    assert day.waits_s == {"drop_in": [900, 901]}


def test_service_time_runs_from_the_call_without_a_start_and_a_visit_never_called_has_none() -> None:
    called_only, helped_at_the_door = uuid4(), uuid4()

    day = _play(
        _queued(called_only),
        _queued(helped_at_the_door),
        _called(called_only, 5),
        _completed(called_only, 17),
        _completed(helped_at_the_door, 2),
    )

    assert day.service_s == {"drop_in": [12 * 60]}
    assert day.counters["completed"] == 2
    assert day.summary().in_office == 0


def test_a_transfer_to_the_line_it_waits_in_is_nothing_and_one_while_called_waits_again() -> None:
    visit_id = uuid4()
    day = _play(_queued(visit_id))
    same = VisitTransferred(**_about(visit_id, 1), from_line_id="drop_in", to_line_id="drop_in")
    assert apply(day, same, RULES) is None

    day = _play(
        _called(visit_id, 3),
        VisitTransferred(**_about(visit_id, 4), from_line_id="drop_in", to_line_id="self_service"),
        day=day,
    )

    track = day.visits[visit_id]
    assert (track.stage, track.line_id) == (Stage.WAITING, "self_service")
    assert (day.summary().waiting, day.summary().called) == (1, 0)
    assert day.counters == {"queued": 1, "line:drop_in": 1, "called": 1, "called_within_target": 1}


def test_a_called_visitor_put_on_hold_waits_again_and_holding_a_waiting_one_changes_nothing() -> None:
    waiting, called = uuid4(), uuid4()
    day = _play(_queued(waiting), _queued(called), _called(called, 2))
    hold_waiting = VisitHeld(**_about(waiting, 3), line_id="drop_in", stage=VisitStage.WAITING)
    assert apply(day, hold_waiting, RULES) is None

    day = _play(VisitHeld(**_about(called, 3), line_id="drop_in", stage=VisitStage.CALLED), day=day)

    assert (day.summary().waiting, day.summary().called) == (2, 0)
    assert day.summary().oldest_waiting_since == NOW


def _restored(
    removal: VisitEvent, stage: VisitStage, undone_event_id: UUID | None = None, minutes: float = 20
) -> VisitRestored:
    """The undo of a completion, naming `removal`'s event (or another one)."""
    return VisitRestored(
        **_about(removal.visit_id, minutes),
        undone="ServiceCompleted",
        undone_event_id=undone_event_id or removal.event_id,
        stage=stage,
        line_id="drop_in",
        room_id="samtalerom-1" if stage is VisitStage.IN_SERVICE else None,
        calls=1,
    )


def test_an_undo_takes_the_completion_back_in_the_hour_it_was_counted() -> None:
    visit_id = uuid4()
    ending = _completed(visit_id, 25)  # 12:55 in Oslo
    day = _play(_queued(visit_id), _called(visit_id, 5), ServiceStarted(**_about(visit_id, 6), room_id="r"))
    done = _play(ending, day=day)
    assert done.hourly["12"]["completed"] == 1

    undone = _play(_restored(ending, VisitStage.IN_SERVICE, minutes=35), day=done)  # at 13:05

    assert undone.hourly == day.hourly
    assert "completed" not in undone.counters
    assert undone.visits[visit_id].stage is Stage.IN_SERVICE


def test_an_undo_naming_another_event_or_the_days_end_takes_nothing_back() -> None:
    visit_id, closed_visit = uuid4(), uuid4()
    ending = _completed(visit_id, 10)
    closing = VisitClosedAtDayEnd(
        **_about(closed_visit, 300), kind=VisitKind.DROP_IN, stage=VisitStage.WAITING
    )
    day = _play(_queued(visit_id), _queued(closed_visit), _called(visit_id, 5), ending, closing)

    assert apply(day, _restored(ending, VisitStage.CALLED, undone_event_id=uuid4()), RULES) is None
    assert apply(day, _restored(closing, VisitStage.WAITING), RULES) is None
    assert (day.counters["completed"], day.counters["closed_at_day_end"]) == (1, 1)


def test_a_follow_up_opens_once_from_its_carry_over_and_an_unknown_resolve_changes_nothing() -> None:
    visit_id = uuid4()
    carried = VisitCarriedOver(
        **_about(visit_id, 300),
        kind=VisitKind.EMERGENCY,
        stage=VisitStage.WAITING,
        line_id="emergency",
        checked_in_at=NOW,
    )
    days, _ = OfficeDays().apply(_queued(visit_id), RULES) or (OfficeDays(), None)

    result = days.apply(carried, RULES)
    assert result is not None
    opened, _ = result
    assert (opened.follow_ups, opened.follow_ups_version) == ({visit_id: carried.occurred_at}, 1)
    again = opened.apply(carried, RULES)  # delivered again
    assert again is None

    stranger = FollowUpResolved(**_about(uuid4(), 400, day=date(2026, 11, 24)))
    assert opened.apply(stranger, RULES) is None
    resolved = opened.apply(FollowUpResolved(**_about(visit_id, 400, day=date(2026, 11, 24))), RULES)
    assert resolved is not None
    assert (resolved[0].follow_ups, resolved[0].follow_ups_version) == ({}, 2)


def _hinted(minutes: float, *waits: tuple[int, int | None]) -> WaitsEstimated:
    about = {k: v for k, v in _about(uuid4(), minutes).items() if k not in ("visit_id", "ticket")}
    return WaitsEstimated(
        **about,
        lines=(),
        staffing=tuple(
            StaffingOption(rooms=rooms, as_now=rooms == 3, expected_wait_s=wait) for rooms, wait in waits
        ),
    )


def test_the_queues_latest_staffing_hint_is_the_days_and_reaches_the_dashboards_row() -> None:
    first = _hinted(0, (2, 1500), (3, 600), (4, 120))
    later = _hinted(5, (2, 900), (3, 300), (4, 0))

    day = _play(first, later)
    assert day.summary().staffing == later.staffing
    assert live_view(day.summary(), LOTEN)["staffing"] == [
        {"rooms": 2, "as_now": False, "expected_wait_s": 900},
        {"rooms": 3, "as_now": True, "expected_wait_s": 300},
        {"rooms": 4, "as_now": False, "expected_wait_s": 0},
    ]
    # the older one delivered late, or the same again, changes nothing
    assert apply(day, first, RULES) is None
    assert apply(day, later, RULES) is None
    # estimates that leave the hint as it was count nothing either
    assert apply(day, _hinted(6, (2, 900), (3, 300), (4, 0)), RULES) is None


def test_the_staffing_hint_on_the_queueing_that_ended_a_batch_is_the_days_too() -> None:
    hint = _hinted(5, (2, 900), (3, 300), (4, 0))
    queued = _queued(uuid4(), 5).model_copy(update={"waits": OfficeWaits(lines=(), staffing=hint.staffing)})
    day = _play(_hinted(0, (2, 1500), (3, 600), (4, 120)), queued)
    assert day.summary().staffing == hint.staffing
    assert day.counters == _play(queued).counters  # and the visitor is counted as queued


def test_the_day_keeps_the_progress_of_the_open_visits_and_those_over_lately_the_rest_as_ids() -> None:
    served = [uuid4() for _ in range(100)]
    waiting = uuid4()
    # a visit every five minutes, called at once and served in two
    day = _play(*(e for n, v in enumerate(served) for e in (_queued(v, 5 * n), _completed(v, 5 * n + 2))))
    day = _play(_queued(waiting, 500), day=day)

    kept = ENDED_KEPT // timedelta(minutes=5)
    assert list(day.visits) == [*served[-kept:], waiting]  # over in the last quarter of an hour, or open
    assert day.done == set(served[:-kept])
    assert day.counters["queued"] == 101
    assert day.counters["completed"] == 100
    assert day.summary().waiting == 1


def test_events_of_a_visit_over_long_ago_delivered_again_count_nothing() -> None:
    long_ago, later = uuid4(), uuid4()
    first = [_queued(long_ago), _called(long_ago, 1), _completed(long_ago, 2)]
    day = _play(*first, _queued(later, 30), _completed(later, 40))
    assert long_ago in day.done

    for event in first:  # a worker resuming from its last commit
        assert apply(day, event, RULES) is None


def test_a_removal_can_be_undone_for_as_long_as_an_office_may_allow_undoing() -> None:
    assert timedelta(seconds=UNDO_SECONDS_MAX) < ENDED_KEPT


def test_a_day_stored_before_endings_were_timed_forgets_its_visits_over_at_the_next_ending() -> None:
    before, now = uuid4(), uuid4()
    day = _play(_queued(before), _completed(before, 1), _queued(now, 2))
    stored = day.model_dump(mode="json")
    del stored["visits"][str(before)]["ended_at"]
    del stored["done"]

    read = OfficeDay.model_validate(stored)
    assert read.visits[before].ended_at is None
    after = _play(_completed(now, 3), day=read)

    assert before not in after.visits
    assert after.done == {before}
