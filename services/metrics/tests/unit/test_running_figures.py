"""The open-visit figures an office-day keeps running (`apply` updates them as a visit changes stage) equal
those counted from scratch over its visits, after every event of random sequences, and after the day is
read back from its stored JSON (a restore from the table's changelog). Pure, property-based."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from visitflow_events import (
    CancelCause,
    Outcome,
    Reason,
    ServiceCompleted,
    ServiceStarted,
    VisitCancelled,
    VisitClosedAtDayEnd,
    VisitEvent,
    VisitHeld,
    VisitKind,
    VisitorCalled,
    VisitorNoShow,
    VisitorQueued,
    VisitRestored,
    VisitStage,
    VisitTransferred,
)
from visitflow_metrics.domain import (
    WAIT_BUCKETS_MIN,
    DayRules,
    DaySummary,
    OfficeDay,
    OfficeDays,
    Stage,
    apply,
    wait_histogram,
)
from visitflow_metrics.domain.figures import estimate_accuracy

START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
DAY = date(2026, 11, 23)
RULES = DayRules(service_level_s=15 * 60, zone=ZoneInfo("Europe/Oslo"))
LINES = ("drop_in", "appointments")
VISITS = [UUID(int=n + 1) for n in range(6)]
KINDS = (
    "queued",
    "called",
    "started",
    "transferred",
    "held",
    "completed",
    "no_show",
    "cancelled",
    "restored",
    "closed",
)


def from_scratch(day: OfficeDay) -> DaySummary:
    """The summary with the open-visit figures counted over every visit of the day."""
    open_visits = [t for t in day.visits.values() if t.stage is not Stage.ENDED]
    waiting = [t.checked_in_at for t in open_visits if t.stage is Stage.WAITING]
    return day.summary().model_copy(
        update={
            "in_office": len(open_visits),
            "waiting": len(waiting),
            "called": sum(1 for t in open_visits if t.stage is Stage.CALLED),
            "in_service": sum(1 for t in open_visits if t.stage is Stage.IN_SERVICE),
            "oldest_waiting_since": min(waiting, default=None),
        }
    )


def _about(visit_id: UUID, at: datetime) -> dict[str, Any]:
    return {
        "event_id": uuid4(),
        "occurred_at": at,
        "office_id": "loten",
        "correlation_id": uuid4(),
        "producer": "queue",
        "visit_id": visit_id,
        "business_date": DAY,
        "ticket": "D-001",
    }


def event(kind: str, visit_id: UUID, at: datetime, pick: int, removals: list[VisitEvent]) -> VisitEvent:
    about = _about(visit_id, at)
    line = LINES[pick % len(LINES)]
    stage = list(VisitStage)[pick % len(VisitStage)]
    if kind == "queued":
        return VisitorQueued(
            **about,
            kind=VisitKind.DROP_IN,
            reason=Reason.CASE_STATUS,
            line_id=line,
            checked_in_at=at,
            position=1,
            estimated_wait_s=pick * 60,
        )
    if kind == "called":
        return VisitorCalled(**about, line_id=line, room_id="samtalerom-1", call_number=1 + pick % 2)
    if kind == "started":
        return ServiceStarted(**about, room_id="samtalerom-1")
    if kind == "transferred":
        return VisitTransferred(**about, from_line_id=LINES[0], to_line_id=line)
    if kind == "held":
        return VisitHeld(**about, line_id=line, stage=stage)
    if kind == "completed":
        return ServiceCompleted(**about, room_id="samtalerom-1", outcome=list(Outcome)[pick % len(Outcome)])
    if kind == "no_show":
        return VisitorNoShow(**about, calls=pick % 3)
    if kind == "cancelled":
        return VisitCancelled(**about, cause=list(CancelCause)[pick % len(CancelCause)])
    if kind == "restored" and removals:
        undone = removals[pick % len(removals)]
        return VisitRestored(
            **_about(undone.visit_id, at),
            undone=type(undone).__name__,
            undone_event_id=undone.event_id,
            stage=stage,
            line_id=line,
            room_id="samtalerom-1" if stage is VisitStage.IN_SERVICE else None,
            calls=1,
        )
    return VisitClosedAtDayEnd(**about, kind=VisitKind.DROP_IN, stage=stage)


steps = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.integers(0, len(VISITS) - 1),
        st.integers(0, 30),  # minutes on
        st.integers(0, 11),  # which line, stage, outcome or removal
        st.booleans(),  # delivered again right after
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_the_running_figures_equal_those_counted_from_scratch(
    plays: list[tuple[str, int, int, int, bool]],
) -> None:
    day = OfficeDay(office_id="loten", business_date=DAY)
    days = OfficeDays()
    at = START
    removals: list[VisitEvent] = []
    for kind, visit, minutes, pick, again in plays:
        at += timedelta(minutes=minutes)
        played = event(kind, VISITS[visit], at, pick, removals)
        if isinstance(played, ServiceCompleted | VisitorNoShow | VisitCancelled | VisitTransferred):
            removals.append(played)
        for _ in range(2 if again else 1):
            day = apply(day, played, RULES) or day
            if (result := days.apply(played, RULES)) is not None:
                days = result[0]
        assert day.summary() == from_scratch(day)
        restored = OfficeDay.model_validate_json(day.model_dump_json())
        assert restored.summary() == day.summary()
        assert restored == day  # the running figures too, as a day read back from the table counts them
    assert days.days.get(DAY, OfficeDay(office_id="loten", business_date=DAY)).summary() == day.summary()


def test_a_summary_is_dumped_once_and_its_json_is_that_of_the_summary() -> None:
    day = apply(
        OfficeDay(office_id="loten", business_date=DAY), event("queued", VISITS[0], START, 1, []), RULES
    )
    assert day is not None
    summary = day.summary()
    dumped = summary.json_bytes
    assert dumped == summary.model_dump_json().encode()
    assert summary.json_bytes is dumped
    assert DaySummary.model_validate_json(dumped) == summary


NEAR_BOUNDS = [bound * 60 + d for bound in WAIT_BUCKETS_MIN for d in (-1, 0, 1)]


@given(st.lists(st.integers(0, 5 * 3600) | st.sampled_from(NEAR_BOUNDS), max_size=50))
def test_the_wait_histogram_buckets_each_wait_under_the_first_bound_it_is_not_above(waits: list[int]) -> None:
    expected = [0] * (len(WAIT_BUCKETS_MIN) + 1)
    for seconds in waits:
        expected[next((i for i, bound in enumerate(WAIT_BUCKETS_MIN) if seconds <= bound * 60), -1)] += 1
    assert wait_histogram(waits) == expected


@given(
    st.lists(
        st.integers(-3 * 3600, 3 * 3600) | st.sampled_from([-301, -300, -299, 299, 300, 301]),
        min_size=1,
        max_size=50,
    )
)
def test_the_estimates_figures_are_their_definitions(errors: list[int]) -> None:
    held = [int(v % 3 == 0) for v in errors]
    figures = estimate_accuracy({"drop_in": errors}, {"drop_in": held})["all"]
    assert figures["said_held_share"] == round(sum(held) / len(held), 3)
    # quotes without their range (events written before they carried one) say nothing of it
    assert estimate_accuracy({"drop_in": errors})["all"]["said_held_share"] is None
    assert figures["mean_abs_error_s"] == round(sum(abs(v) for v in errors) / len(errors))
    assert figures["within_5_min_share"] == round(sum(abs(v) <= 300 for v in errors) / len(errors), 3)
