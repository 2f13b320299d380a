"""Properties of the queue that must hold for any sequence of arrivals and calls (hypothesis)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from hypothesis import given, settings
from hypothesis import strategies as st
from visitflow_events import (
    Appointment,
    CallNext,
    CancelVisit,
    Command,
    CompleteService,
    HoldVisit,
    MarkNoShow,
    Outcome,
    Reason,
    ReturnVisit,
    StartService,
    TransferVisit,
    UndoRemoval,
    VisitKind,
    VisitorCalled,
    VisitorCheckedIn,
    VisitorQueued,
    VisitStage,
)
from visitflow_offices import load_offices
from visitflow_queue.domain import (
    OfficeQueue,
    OpenVisit,
    VisitViews,
    check_in,
    decide,
    fold,
    snapshot,
    waiting_in_order,
)
from visitflow_queue.domain.estimates import forecast
from visitflow_queue.domain.ordering import due_at, is_overdue
from visitflow_queue.domain.state import RECENT_DURATIONS

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
        Appointment(reference="REF-4K7Q", starts_at=NOW + timedelta(minutes=offset))
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


# --- ageing, hold and undo, under any mix of arrivals and host actions ---------------------------------

KINDS = {  # a visit of each line of the office: its kind and reason
    "emergency": (VisitKind.EMERGENCY, Reason.EMERGENCY_ASSISTANCE),
    "appointment": (VisitKind.APPOINTMENT, Reason.COUNSELLOR_APPOINTMENT),
    "drop_in": (VisitKind.DROP_IN, Reason.CASE_STATUS),
    "self_service": (VisitKind.DROP_IN, Reason.SELF_SERVICE_HELP),
}
ACTS = ("call", "start", "complete", "no_show", "cancel", "transfer", "hold", "return")
host_steps = st.lists(
    st.tuples(
        st.sampled_from(["arrive"] * 4 + ["call"] * 4 + [*ACTS, "undo"]),
        st.sampled_from(sorted(KINDS)),
        st.integers(min_value=0, max_value=50),  # which visit (modulo those there are), or the offset
        st.integers(min_value=0, max_value=20),  # minutes that pass before the step
    ),
    max_size=80,
)


def _visitor(line: str, offset: int, at: datetime) -> VisitorCheckedIn:
    kind, reason = KINDS[line]
    appointment = (
        Appointment(reference="REF-4K7Q", starts_at=at + timedelta(minutes=offset - 15))
        if kind is VisitKind.APPOINTMENT
        else None
    )
    return VisitorCheckedIn(
        event_id=uuid4(),
        occurred_at=at,
        office_id="halden",
        correlation_id=uuid4(),
        producer="test",
        visit_id=uuid4(),
        business_date=date(2026, 11, 23),
        kind=kind,
        reason=reason,
        line_id=line,
        appointment=appointment,
    )


def _command(act: str, visit: OpenVisit | None, room: str | None, at: datetime) -> Command:
    fields: dict[str, Any] = {
        "command_id": uuid4(),
        "occurred_at": at,
        "office_id": "halden",
        "correlation_id": uuid4(),
        "producer": "test",
    }
    if visit is None:
        return CallNext(**fields, room_id=room or "samtalerom-1")
    made: dict[str, Callable[[], Command]] = {
        "start": lambda: StartService(**fields, visit_id=visit.visit_id),
        "complete": lambda: CompleteService(**fields, visit_id=visit.visit_id, outcome=Outcome.SERVED),
        "no_show": lambda: MarkNoShow(**fields, visit_id=visit.visit_id),
        "cancel": lambda: CancelVisit(**fields, visit_id=visit.visit_id),
        "transfer": lambda: TransferVisit(
            **fields,
            visit_id=visit.visit_id,
            to_line_id="self_service" if visit.line_id != "self_service" else "drop_in",
        ),
        "hold": lambda: HoldVisit(**fields, visit_id=visit.visit_id),
        "return": lambda: ReturnVisit(**fields, visit_id=visit.visit_id),
        "undo": lambda: UndoRemoval(**fields, visit_id=visit.visit_id),
    }
    return made[act]()


def _candidates(state: OfficeQueue, act: str) -> list[UUID]:
    """The visits an act is meant for, so that most acts are carried out rather than refused."""
    wanted: dict[str, Callable[[OpenVisit], bool]] = {
        "start": lambda v: v.stage is VisitStage.CALLED,
        "hold": lambda v: v.stage is not VisitStage.IN_SERVICE and not v.held,
        "return": lambda v: v.held,
    }
    if act == "undo":
        return list(state.removed)
    test = wanted.get(act)
    return [v.visit_id for v in state.visits.values() if test(v)] if test else []


def _play(
    script: list[tuple[str, str, int, int]], check: Callable[[OfficeQueue, Command, Any, datetime], None]
) -> None:
    """Plays a day of arrivals and host actions on Halden's queue; `check` sees each command's decision
    with the state it was decided on."""
    assert OFFICE is not None
    state = OfficeQueue(office_id="halden")
    at = NOW
    seen: list[UUID] = []  # every visit of the day: a host may name one that is gone
    for step, line, number, minutes in script:
        at += timedelta(minutes=minutes)
        if step == "arrive":
            event = _visitor(line, number, at)
            seen.append(event.visit_id)
            state = fold(state, check_in(state, OFFICE, event, at))
            continue
        command: Command | None = None
        if step == "call":
            if (room := _free_room(state)) is None:  # rooms full: the longest-called visitor finishes
                state = fold(state, decide(state, OFFICE, _complete(state), at).events)
                room = _free_room(state)
            command = _command("call", None, room, at)
        elif candidates := _candidates(state, step) or seen:
            visit_id = candidates[number % len(candidates)]
            visit = state.visit(visit_id) or (
                state.removed[visit_id].before if visit_id in state.removed else None
            )
            command = _command(step, visit, None, at) if visit else None
        if command is None:
            continue
        decision = decide(state, OFFICE, command, at)
        check(state, command, decision, at)
        state = fold(state, decision.events)
        occupied = [v.room_id for v in state.visits.values() if v.room_id]
        assert len(occupied) == len(set(occupied))  # one visitor per room, whatever was undone


@settings(max_examples=300, deadline=None)
@given(host_steps)
def test_nobody_waits_past_the_limit_while_someone_who_came_later_is_called(
    script: list[tuple[str, str, int, int]],
) -> None:
    """Whenever a visitor is called, nobody who has waited past the office's limit is left waiting for
    them, unless the one called is an emergency or has waited longer still."""
    assert OFFICE is not None
    office = OFFICE

    def check(state: OfficeQueue, command: Command, decision: Any, at: datetime) -> None:
        if not isinstance(command, CallNext) or decision.rejection is not None:
            return
        chosen = state.visits[decision.events[0].visit_id]
        assert not chosen.held
        if chosen.emergency:
            return
        for other in state.waiting():
            if other.visit_id != chosen.visit_id and not other.held and is_overdue(office, other, at):
                assert due_at(office, chosen) <= due_at(office, other), (chosen.ticket, other.ticket)

    _play(script, check)


@settings(max_examples=300, deadline=None)
@given(host_steps)
def test_a_removal_undone_at_once_gives_back_exactly_the_queue_before(
    script: list[tuple[str, str, int, int]],
) -> None:
    assert OFFICE is not None
    office = OFFICE

    def check(state: OfficeQueue, command: Command, decision: Any, at: datetime) -> None:
        removal = (CompleteService, MarkNoShow, CancelVisit, TransferVisit)
        if not isinstance(command, removal) or decision.rejection is not None:
            return
        after = fold(state, decision.events)
        undone = decide(after, office, _command("undo", state.visits[command.visit_id], None, at), at)
        assert undone.rejection is None, undone.rejection
        restored = fold(after, undone.events)
        assert restored.visits == state.visits
        assert restored.follow_ups == state.follow_ups
        for line, recent in state.service_seconds.items():  # a full list of recent times lost its oldest
            assert restored.service_seconds[line] == recent or len(recent) == RECENT_DURATIONS
        seen, before = snapshot(restored, office, now=at), snapshot(state, office, now=at)
        if restored.service_seconds != state.service_seconds:  # the estimates reckon with those times
            del seen["lines"], before["lines"], seen["waits"], before["waits"]
        assert seen == before

    _play(script, check)


@settings(max_examples=200, deadline=None)
@given(host_steps)
def test_a_visitor_on_hold_is_never_called_and_returns_to_the_place_they_had(
    script: list[tuple[str, str, int, int]],
) -> None:
    assert OFFICE is not None
    office = OFFICE

    def check(state: OfficeQueue, command: Command, decision: Any, at: datetime) -> None:
        if decision.rejection is not None:
            return
        if isinstance(command, CallNext):
            assert not state.visits[decision.events[0].visit_id].held
        if isinstance(command, ReturnVisit):
            returned = fold(state, decision.events)
            never_held = state.model_copy(
                update={
                    "visits": {
                        **state.visits,
                        command.visit_id: state.visits[command.visit_id].model_copy(update={"held": False}),
                    }
                }
            )
            assert returned.visits == never_held.visits
            assert waiting_in_order(returned, office, now=at) == waiting_in_order(never_held, office, now=at)

    _play(script, check)


@settings(max_examples=200, deadline=None)
@given(host_steps)
def test_the_waiting_list_kept_for_a_state_equals_one_made_afresh_after_every_kind_of_change(
    script: list[tuple[str, str, int, int]],
) -> None:
    def afresh(state: OfficeQueue) -> list[OpenVisit]:
        return [v for v in state.visits.values() if v.stage is VisitStage.WAITING]

    def check(state: OfficeQueue, command: Command, decision: Any, at: datetime) -> None:
        assert state.waiting() == afresh(state)
        after = fold(state, decision.events)
        assert after.waiting() == afresh(after)
        assert state.waiting() == afresh(state)  # the state before keeps its own
        after.waiting().clear()  # a caller changing its list changes nobody else's
        assert after.waiting() == afresh(after)

    _play(script, check)


@settings(max_examples=200, deadline=None)
@given(host_steps)
def test_the_order_a_forecast_hands_the_picture_is_the_call_order_of_its_own_state_and_time(
    script: list[tuple[str, str, int, int]],
) -> None:
    assert OFFICE is not None
    office = OFFICE

    def check(state: OfficeQueue, command: Command, decision: Any, at: datetime) -> None:
        made = forecast(state, office, at)
        assert made.waiting_in_order(state, at) == waiting_in_order(state, office, now=at)
        later = at + timedelta(hours=1)  # overdue by then, some: another order
        assert made.waiting_in_order(state, later) is None
        assert (
            snapshot(state, office, now=later, estimates=made)["waiting"]
            == (snapshot(state, office, now=later)["waiting"])
        )
        after = fold(state, decision.events)
        if after.visits is not state.visits:
            assert made.waiting_in_order(after, at) is None

    _play(script, check)
