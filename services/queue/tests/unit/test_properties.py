"""Properties of the queue that must hold for any sequence of arrivals and calls (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st
from visitflow_events import (
    Appointment,
    CallNext,
    CompleteService,
    Outcome,
    Reason,
    VisitKind,
    VisitorCalled,
    VisitorCheckedIn,
    VisitorQueued,
)
from visitflow_offices import load_offices
from visitflow_queue.domain import OfficeQueue, VisitViews, check_in, decide, fold, snapshot

OFFICE = load_offices(Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml").office(
    "halden"
)
assert OFFICE is not None
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
REASON = {
    VisitKind.EMERGENCY: Reason.EMERGENCY_ASSISTANCE,
    VisitKind.APPOINTMENT: Reason.COUNSELLOR_APPOINTMENT,
    VisitKind.DROP_IN: Reason.CASE_STATUS,
}

arrivals = st.tuples(st.sampled_from(list(VisitKind)), st.integers(min_value=0, max_value=90))
steps = st.lists(st.one_of(arrivals.map(lambda a: ("arrive", a)), st.just(("call", None))), max_size=60)


def _arrival(kind: VisitKind, offset: int, at: datetime) -> VisitorCheckedIn:
    appointment = (
        Appointment(reference="R-1", starts_at=NOW + timedelta(minutes=offset))
        if (kind is VisitKind.APPOINTMENT)
        else None
    )
    assert OFFICE is not None
    return VisitorCheckedIn(
        event_id=uuid4(),
        occurred_at=at,
        office_id="halden",
        correlation_id=uuid4(),
        producer="test",
        visit_id=uuid4(),
        business_date=date(2026, 11, 23),
        kind=kind,
        reason=REASON[kind],
        line_id=OFFICE.line_for(kind, REASON[kind]).id,
        appointment=appointment,
    )


@settings(max_examples=150, deadline=None)
@given(steps)
def test_nobody_is_called_twice_emergencies_go_first_and_tickets_are_consecutive(
    script: list[tuple[str, Any]],
) -> None:
    assert OFFICE is not None
    state = OfficeQueue(office_id="halden")
    called: list[str] = []
    tickets: dict[str, list[int]] = {}
    for index, (action, detail) in enumerate(script):
        at = NOW + timedelta(seconds=index)
        if action == "arrive":
            kind, offset = detail
            events = check_in(state, OFFICE, _arrival(kind, offset, at), at)
            for event in events:
                if isinstance(event, VisitorQueued):
                    prefix, number = event.ticket.split("-")
                    tickets.setdefault(prefix, []).append(int(number))
            state = fold(state, events)
            continue
        if (room := _free_room(state)) is None:  # rooms full: the longest-called visitor finishes
            state = fold(state, decide(state, OFFICE, _complete(state), at).events)
            room = _free_room(state)
        assert room is not None
        emergencies_waiting = any(v.kind is VisitKind.EMERGENCY for v in state.waiting())
        decision = decide(state, OFFICE, _call_next(room, at), at)
        if not state.waiting():
            assert decision.rejection is not None
            assert decision.rejection.code == "nobody_waiting"
            continue
        (call,) = decision.events
        assert isinstance(call, VisitorCalled)
        if emergencies_waiting:
            assert state.visits[call.visit_id].kind is VisitKind.EMERGENCY
        called.append(str(call.visit_id))
        state = fold(state, decision.events)
    assert len(called) == len(set(called))
    for numbers in tickets.values():
        assert numbers == list(range(1, len(numbers) + 1))


def _free_room(state: OfficeQueue) -> str | None:
    assert OFFICE is not None
    return next((room.id for room in OFFICE.rooms if state.occupant(room.id) is None), None)


def _call_next(room_id: str, at: datetime) -> CallNext:
    return CallNext(
        command_id=uuid4(),
        occurred_at=at,
        office_id="halden",
        correlation_id=uuid4(),
        producer="test",
        room_id=room_id,
    )


def _complete(state: OfficeQueue) -> CompleteService:
    visit = min((v for v in state.visits.values() if v.room_id), key=lambda v: v.called_at or NOW)
    return CompleteService(
        command_id=uuid4(),
        occurred_at=NOW,
        office_id="halden",
        correlation_id=uuid4(),
        producer="test",
        visit_id=visit.visit_id,
        outcome=Outcome.SERVED,
    )


@settings(max_examples=100, deadline=None)
@given(steps)
def test_snapshots_made_from_remembered_visit_views_equal_snapshots_made_afresh(
    script: list[tuple[str, Any]],
) -> None:
    assert OFFICE is not None
    state = OfficeQueue(office_id="halden")
    views = VisitViews()
    for index, (action, detail) in enumerate(script):
        at = NOW + timedelta(seconds=index)
        if action == "arrive":
            kind, offset = detail
            state = fold(state, check_in(state, OFFICE, _arrival(kind, offset, at), at))
        elif (room := _free_room(state)) is not None:
            state = fold(state, decide(state, OFFICE, _call_next(room, at), at).events)
        else:
            state = fold(state, decide(state, OFFICE, _complete(state), at).events)
        assert snapshot(state, OFFICE, views) == snapshot(state, OFFICE)
