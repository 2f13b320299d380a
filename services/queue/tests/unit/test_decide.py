"""The queue's decisions at NAV Løten: tickets, calls, recalls, service, transfers and the day's end."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import orjson
import pytest
from visitflow_events import (
    Appointment,
    CallNext,
    CallVisit,
    CancelVisit,
    CloseDay,
    CloseRoom,
    Command,
    CommandRejected,
    CompleteService,
    Event,
    FollowUpResolved,
    HoldVisit,
    MarkNoShow,
    OfficeDayClosed,
    OpenRoom,
    Outcome,
    Reason,
    Recall,
    ResolveFollowUp,
    ReturnVisit,
    RoomClosed,
    RoomOpened,
    ServiceCompleted,
    ServiceStarted,
    StartService,
    TicketedEvent,
    TransferVisit,
    UndoRemoval,
    VisitCancelled,
    VisitCarriedOver,
    VisitClosedAtDayEnd,
    VisitHeld,
    VisitKind,
    VisitorCalled,
    VisitorCheckedIn,
    VisitorNoShow,
    VisitorQueued,
    VisitRestored,
    VisitReturned,
    VisitStage,
    VisitTransferred,
    decode,
    encode,
    office_day_correlation,
    visit_correlation,
)
from visitflow_offices import Office, load_offices
from visitflow_queue.domain import (
    Decision,
    OfficeQueue,
    check_in,
    close_day,
    decide,
    evolve,
    fold,
    waiting_in_order,
)
from visitflow_queue.domain.estimates import TURNOVER_S, WALK_S
from visitflow_queue.domain.rooms import office_instant, until_refusal
from visitflow_queue.domain.state import OCCUPANTS_KEPT

CONFIG = Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml"
NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # Monday 12:30 in Oslo
DAY = date(2026, 11, 23)
ROOM = "samtalerom-1"
OTHER_ROOM = "samtalerom-2"


def loten() -> Office:
    office = load_offices(CONFIG).office("loten")
    assert office is not None
    return office


OFFICE = loten()


def empty() -> OfficeQueue:
    return OfficeQueue(office_id="loten")


def arrival(
    kind: VisitKind = VisitKind.DROP_IN,
    *,
    reason: Reason = Reason.CASE_STATUS,
    line_id: str | None = None,
    at: datetime = NOW,
    appointment_at: datetime | None = None,
    counsellor_id: str | None = None,
    day: date = DAY,
    visit_id: UUID | None = None,
) -> VisitorCheckedIn:
    appointment = (
        Appointment(reference="REF-4K7Q", starts_at=appointment_at, counsellor_id=counsellor_id)
        if appointment_at
        else None
    )
    visit_id = visit_id or uuid4()
    return VisitorCheckedIn(
        event_id=uuid4(),
        occurred_at=at,
        office_id="loten",
        correlation_id=visit_id,
        producer="checkin",
        visit_id=visit_id,
        business_date=day,
        kind=kind,
        reason=reason,
        line_id=line_id or OFFICE.line_for(kind, reason).id,
        appointment=appointment,
    )


def admit(
    state: OfficeQueue, event: VisitorCheckedIn, now: datetime = NOW
) -> tuple[OfficeQueue, list[Event]]:
    events = check_in(state, OFFICE, event, now)
    return fold(state, events), events


def queued(state: OfficeQueue, *arrivals: VisitorCheckedIn) -> OfficeQueue:
    for event in arrivals:
        state, _ = admit(state, event, event.occurred_at)
    return state


def envelope() -> dict[str, object]:
    return {
        "command_id": uuid4(),
        "occurred_at": NOW,
        "office_id": "loten",
        "correlation_id": uuid4(),
        "producer": "host-ui",
        "actor_id": "p-a2b3c4d5e6f7g2h3",  # a pseudonym
    }


def run(state: OfficeQueue, command: Command, now: datetime = NOW) -> tuple[OfficeQueue, Decision]:
    decision = decide(state, OFFICE, command, now)
    return fold(state, decision.events), decision


def accepted(state: OfficeQueue, command: Command, now: datetime = NOW) -> tuple[OfficeQueue, Event]:
    state, decision = run(state, command, now)
    assert decision.rejection is None, decision.rejection
    assert len(decision.events) == 1
    return state, decision.events[0]


def rejected(state: OfficeQueue, command: Command) -> CommandRejected:
    decision = decide(state, OFFICE, command, NOW)
    assert decision.events == []
    rejection: CommandRejected | None = decision.rejection
    assert rejection is not None
    return rejection


def call_next(room: str = ROOM, line_id: str | None = None, counsellor_id: str | None = None) -> CallNext:
    return CallNext(**envelope(), room_id=room, line_id=line_id, counsellor_id=counsellor_id)


def called(state: OfficeQueue, room: str = ROOM) -> tuple[OfficeQueue, VisitorCalled]:
    state, event = accepted(state, call_next(room))
    assert isinstance(event, VisitorCalled)
    return state, event


# --- check-in ----------------------------------------------------------------------------------------


def test_tickets_count_up_per_line_prefix() -> None:
    state = empty()
    tickets = []
    for event in (
        arrival(),
        arrival(),
        arrival(VisitKind.EMERGENCY, reason=Reason.EMERGENCY_ASSISTANCE),
        arrival(reason=Reason.SELF_SERVICE_HELP),
        arrival(),
    ):
        state, events = admit(state, event)
        assert len(events) == 1
        assert isinstance(events[0], VisitorQueued)
        tickets.append(events[0].ticket)

    assert tickets == ["D-001", "D-002", "A-001", "S-001", "D-003"]
    assert state.counters == {"D": 3, "A": 1, "S": 1}
    assert state.business_date == DAY


def test_check_in_queues_with_the_visit_details() -> None:
    event = arrival(
        VisitKind.APPOINTMENT,
        reason=Reason.COUNSELLOR_APPOINTMENT,
        appointment_at=NOW + timedelta(minutes=10),
        counsellor_id="veileder-1",
        at=NOW - timedelta(minutes=5),
    )

    state, events = admit(empty(), event)

    (queued_event,) = events
    assert isinstance(queued_event, VisitorQueued)
    assert queued_event.ticket == "T-001"
    assert queued_event.line_id == "appointment"
    assert queued_event.checked_in_at == event.occurred_at
    assert queued_event.appointment_at == NOW + timedelta(minutes=10)
    assert queued_event.counsellor_id == "veileder-1"
    assert queued_event.causation_id == event.event_id
    assert queued_event.correlation_id == event.correlation_id
    assert queued_event.occurred_at == NOW
    assert queued_event.producer == "queue"
    visit = state.visit(event.visit_id)
    assert visit is not None
    assert visit.stage is VisitStage.WAITING


def test_an_appointment_with_a_counsellor_the_office_does_not_have_is_queued_without_one() -> None:
    event = arrival(
        VisitKind.APPOINTMENT,
        reason=Reason.COUNSELLOR_APPOINTMENT,
        appointment_at=NOW + timedelta(minutes=10),
        counsellor_id="ola-nordmann",
    )

    (queued_event,) = check_in(empty(), OFFICE, event, NOW)

    assert isinstance(queued_event, VisitorQueued)
    assert queued_event.counsellor_id is None


def test_an_unknown_line_id_falls_back_to_routing_by_kind_and_reason() -> None:
    _, events = admit(empty(), arrival(reason=Reason.SELF_SERVICE_HELP, line_id="no_such_line"))

    assert isinstance(events[0], VisitorQueued)
    assert events[0].line_id == "self_service"
    assert events[0].ticket == "S-001"


def test_a_duplicate_check_in_yields_no_events() -> None:
    event = arrival()
    state, first = admit(empty(), event)

    again = check_in(state, OFFICE, event, NOW + timedelta(minutes=1))

    assert len(first) == 1
    assert again == []


def test_a_duplicate_check_in_after_the_visit_ended_still_yields_nothing() -> None:
    event = arrival()
    state, _ = admit(empty(), event)
    state, _ = accepted(state, CancelVisit(**envelope(), visit_id=event.visit_id))

    assert check_in(state, OFFICE, event, NOW) == []


def test_check_in_position_and_wait_estimate() -> None:
    earlier = [arrival(at=NOW - timedelta(minutes=3 - m)) for m in range(3)]
    state = queued(empty(), *earlier)

    _, events = admit(state, arrival())

    assert isinstance(events[0], VisitorQueued)
    assert events[0].position == 4
    # the three before take the three free rooms after the office's turnover; the fourth waits for the
    # first to come free again
    cycle = WALK_S + OFFICE.policy.default_service_minutes * 60 + TURNOVER_S
    assert events[0].estimated_wait_s == TURNOVER_S + cycle


def test_an_emergency_goes_to_the_front_of_the_queue() -> None:
    state = queued(empty(), arrival(at=NOW - timedelta(minutes=2)), arrival(at=NOW - timedelta(minutes=1)))

    _, events = admit(state, arrival(VisitKind.EMERGENCY, reason=Reason.EMERGENCY_ASSISTANCE))

    assert isinstance(events[0], VisitorQueued)
    assert events[0].position == 1
    assert events[0].estimated_wait_s == TURNOVER_S  # a free room: called as the host turns to it


# --- call next ---------------------------------------------------------------------------------------


def test_call_next_calls_the_first_in_line_to_the_room() -> None:
    first, second = arrival(at=NOW - timedelta(minutes=2)), arrival(at=NOW - timedelta(minutes=1))
    state = queued(empty(), first, second)
    command = call_next()

    state, event = accepted(state, command)

    assert isinstance(event, VisitorCalled)
    assert event.visit_id == first.visit_id
    assert event.ticket == "D-001"
    assert event.room_id == ROOM
    assert event.call_number == 1
    assert event.line_id == "drop_in"
    assert event.business_date == DAY
    assert event.causation_id == command.command_id
    visit = state.visit(first.visit_id)
    assert visit is not None
    assert (visit.stage, visit.room_id, visit.calls) == (VisitStage.CALLED, ROOM, 1)
    assert state.occupant(ROOM) == visit


def test_each_state_knows_its_own_occupants_and_waiting_however_many_states_were_asked_before() -> None:
    waiting = queued(empty(), arrival(), arrival())
    rooms = [room.id for room in OFFICE.rooms]
    states = []
    for number in range(OCCUPANTS_KEPT + 10):  # more than the occupants remembered
        state, event = called(waiting, rooms[number % len(rooms)])
        states.append((state, event))
        assert waiting.occupant(event.room_id) is None

    for state, event in states:
        assert state.occupant(event.room_id) == state.visit(event.visit_id)
        assert state.occupants() == {event.room_id: state.visit(event.visit_id)}
        assert state.waiting() == [v for v in state.visits.values() if v.visit_id != event.visit_id]


def test_call_next_to_an_occupied_room_is_rejected_room_busy() -> None:
    state = queued(empty(), arrival(at=NOW - timedelta(minutes=2)), arrival(at=NOW - timedelta(minutes=1)))
    state, _ = called(state)
    command = call_next()

    rejection = rejected(state, command)

    assert rejection.code == "room_busy"
    assert "D-001" in rejection.detail
    assert rejection.command_id == command.command_id
    assert rejection.command_type == "CallNext"
    assert rejection.causation_id == command.command_id


def test_call_next_to_an_unknown_room_is_rejected() -> None:
    state = queued(empty(), arrival())

    rejection = rejected(state, call_next("kjeller-9"))

    assert rejection.code == "unknown_room"
    assert rejection.detail == "NAV Løten has no such room."


def test_call_next_with_nobody_waiting_is_rejected() -> None:
    assert rejected(empty(), call_next()).code == "nobody_waiting"


def test_call_next_in_an_empty_line_is_rejected_naming_the_line() -> None:
    state = queued(empty(), arrival())

    rejection = rejected(state, call_next(line_id="emergency"))

    assert rejection.code == "nobody_waiting"
    assert rejection.detail == "Nobody is waiting in Akutt."  # the line's configured name


def test_a_call_names_next_those_first_in_the_whole_offices_order_whichever_line_it_called_from() -> None:
    drop_ins = [arrival() for _ in range(3)]
    helped = arrival(reason=Reason.SELF_SERVICE_HELP, line_id="self_service")
    state = queued(empty(), *drop_ins, helped)

    _, from_everyone = accepted(state, call_next())
    _, from_a_line = accepted(state, call_next(line_id="self_service"))

    assert isinstance(from_everyone, VisitorCalled)
    assert isinstance(from_a_line, VisitorCalled)
    assert from_everyone.visit_id == drop_ins[0].visit_id
    assert from_everyone.up_next == (drop_ins[1].visit_id, drop_ins[2].visit_id, helped.visit_id)
    assert from_a_line.visit_id == helped.visit_id
    # the self-service line's call names those next in the office, not only in its line
    assert from_a_line.up_next == tuple(v.visit_id for v in drop_ins)


def test_call_next_in_an_unknown_line_is_rejected() -> None:
    state = queued(empty(), arrival())

    assert rejected(state, call_next(line_id="vip")).code == "unknown_line"


def test_call_next_for_an_unknown_counsellor_is_rejected() -> None:
    state = queued(empty(), arrival())

    assert rejected(state, call_next(counsellor_id="veileder-99")).code == "unknown_counsellor"


def test_call_next_to_two_rooms_never_calls_the_same_visitor() -> None:
    state = queued(empty(), arrival(at=NOW - timedelta(minutes=2)), arrival(at=NOW - timedelta(minutes=1)))

    state, first = called(state, ROOM)
    state, second = called(state, OTHER_ROOM)

    assert first.visit_id != second.visit_id
    assert (first.ticket, second.ticket) == ("D-001", "D-002")
    assert rejected(state, call_next("samtalerom-3")).code == "nobody_waiting"


def test_call_next_follows_the_call_order() -> None:
    drop_in = arrival(at=NOW - timedelta(minutes=30))
    late_appointment = arrival(
        VisitKind.APPOINTMENT,
        reason=Reason.COUNSELLOR_APPOINTMENT,
        appointment_at=NOW + timedelta(minutes=20),
        at=NOW - timedelta(minutes=20),
    )
    early_appointment = arrival(
        VisitKind.APPOINTMENT,
        reason=Reason.COUNSELLOR_APPOINTMENT,
        appointment_at=NOW + timedelta(minutes=5),
        at=NOW - timedelta(minutes=10),
    )
    emergency = arrival(VisitKind.EMERGENCY, reason=Reason.EMERGENCY_ASSISTANCE, at=NOW)
    state = queued(empty(), drop_in, late_appointment, early_appointment, emergency)

    order = []
    for room in ("samtalerom-1", "samtalerom-2", "samtalerom-3", "moterom-1"):
        state, event = called(state, room)
        order.append(event.visit_id)

    assert order == [
        emergency.visit_id,
        early_appointment.visit_id,
        late_appointment.visit_id,
        drop_in.visit_id,
    ]


def test_call_visit_calls_that_visitor_out_of_turn() -> None:
    first, second = arrival(at=NOW - timedelta(minutes=2)), arrival(at=NOW - timedelta(minutes=1))
    state = queued(empty(), first, second)

    state, event = accepted(state, CallVisit(**envelope(), visit_id=second.visit_id, room_id=ROOM))

    assert isinstance(event, VisitorCalled)
    assert event.visit_id == second.visit_id
    assert event.call_number == 1


def test_call_visit_needs_a_waiting_visit_and_a_free_room() -> None:
    first, second = arrival(at=NOW - timedelta(minutes=2)), arrival(at=NOW - timedelta(minutes=1))
    state = queued(empty(), first, second)
    state, _ = called(state)

    assert rejected(state, CallVisit(**envelope(), visit_id=first.visit_id, room_id=OTHER_ROOM)).code == (
        "wrong_stage"
    )
    assert (
        rejected(state, CallVisit(**envelope(), visit_id=second.visit_id, room_id=ROOM)).code == "room_busy"
    )
    assert rejected(state, CallVisit(**envelope(), visit_id=uuid4(), room_id=OTHER_ROOM)).code == (
        "unknown_visit"
    )


# --- recall and no-show ------------------------------------------------------------------------------


def test_recall_increments_the_call_number_up_to_the_limit_then_is_refused_never_a_silent_no_show() -> None:
    visitor = arrival()
    state = queued(empty(), visitor)
    state, _ = called(state)
    limit = OFFICE.policy.no_show_after_calls
    assert limit == 3

    numbers = []
    for _ in range(limit - 1):
        state, event = accepted(state, Recall(**envelope(), visit_id=visitor.visit_id))
        assert isinstance(event, VisitorCalled)
        assert event.room_id == ROOM
        numbers.append(event.call_number)
    refusal = rejected(state, Recall(**envelope(), visit_id=visitor.visit_id))

    assert numbers == [2, 3]
    assert refusal.code == "recall_limit"
    assert refusal.detail == "D-001 was called 3 times; mark a no-show or put them on hold."
    visit = state.visit(visitor.visit_id)
    assert visit is not None
    assert (visit.stage, visit.calls, state.occupant(ROOM)) == (VisitStage.CALLED, 3, visit)
    state, no_show = accepted(state, MarkNoShow(**envelope(), visit_id=visitor.visit_id))  # the host's call
    assert isinstance(no_show, VisitorNoShow)
    assert no_show.calls == limit
    assert state.occupant(ROOM) is None


def test_recall_of_a_waiting_visitor_is_rejected() -> None:
    visitor = arrival()
    state = queued(empty(), visitor)

    assert rejected(state, Recall(**envelope(), visit_id=visitor.visit_id)).code == "wrong_stage"


def test_mark_no_show_closes_a_waiting_or_called_visit() -> None:
    waiting, calledv = arrival(at=NOW - timedelta(minutes=2)), arrival(at=NOW - timedelta(minutes=1))
    state = queued(empty(), waiting, calledv)
    state, _ = accepted(state, CallVisit(**envelope(), visit_id=calledv.visit_id, room_id=ROOM))

    state, first = accepted(state, MarkNoShow(**envelope(), visit_id=waiting.visit_id))
    state, second = accepted(state, MarkNoShow(**envelope(), visit_id=calledv.visit_id))

    assert isinstance(first, VisitorNoShow)
    assert first.calls == 0
    assert isinstance(second, VisitorNoShow)
    assert second.calls == 1
    assert state.visits == {}


def test_mark_no_show_while_in_service_is_rejected() -> None:
    visitor = arrival()
    state = queued(empty(), visitor)
    state, _ = called(state)
    state, _ = accepted(state, StartService(**envelope(), visit_id=visitor.visit_id))

    assert rejected(state, MarkNoShow(**envelope(), visit_id=visitor.visit_id)).code == "wrong_stage"


# --- service -----------------------------------------------------------------------------------------


def test_start_service_requires_the_called_stage() -> None:
    visitor = arrival()
    state = queued(empty(), visitor)

    rejection = rejected(state, StartService(**envelope(), visit_id=visitor.visit_id))

    assert rejection.code == "wrong_stage"
    assert "D-001 is waiting, not called" in rejection.detail


def test_start_service_twice_is_rejected() -> None:
    visitor = arrival()
    state = queued(empty(), visitor)
    state, _ = called(state)
    state, started = accepted(state, StartService(**envelope(), visit_id=visitor.visit_id))

    assert isinstance(started, ServiceStarted)
    assert started.room_id == ROOM
    visit = state.visit(visitor.visit_id)
    assert visit is not None
    assert visit.stage is VisitStage.IN_SERVICE
    assert rejected(state, StartService(**envelope(), visit_id=visitor.visit_id)).code == "wrong_stage"


def test_start_service_of_an_unknown_visit_is_rejected() -> None:
    assert rejected(queued(empty(), arrival()), StartService(**envelope(), visit_id=uuid4())).code == (
        "unknown_visit"
    )


def test_complete_records_the_service_duration_and_frees_the_room() -> None:
    visitor = arrival()
    state = queued(empty(), visitor)
    state, _ = called(state)
    state, _ = accepted(
        state, StartService(**envelope(), visit_id=visitor.visit_id), NOW + timedelta(minutes=1)
    )

    state, done = accepted(
        state,
        CompleteService(**envelope(), visit_id=visitor.visit_id, outcome=Outcome.SERVED),
        NOW + timedelta(minutes=9),
    )

    assert isinstance(done, ServiceCompleted)
    assert done.room_id == ROOM
    assert done.outcome is Outcome.SERVED
    assert state.service_seconds == {"drop_in": [480]}
    assert state.visit(visitor.visit_id) is None
    assert state.occupant(ROOM) is None
    assert state.tickets[visitor.visit_id] == "D-001"  # still issued today


def test_only_the_last_ten_service_times_are_kept() -> None:
    state = empty()
    for minutes in range(1, 13):
        visitor = arrival()
        state = queued(state, visitor)
        state, _ = called(state)
        state, _ = accepted(state, StartService(**envelope(), visit_id=visitor.visit_id))
        state, _ = accepted(
            state,
            CompleteService(**envelope(), visit_id=visitor.visit_id, outcome=Outcome.SERVED),
            NOW + timedelta(minutes=minutes),
        )

    assert state.service_seconds["drop_in"] == [minutes * 60 for minutes in range(3, 13)]


def test_completing_a_visit_that_never_started_records_no_duration() -> None:
    visitor = arrival()
    state = queued(empty(), visitor)

    state, done = accepted(
        state,
        CompleteService(**envelope(), visit_id=visitor.visit_id, outcome=Outcome.STEERED_TO_SELF_SERVICE),
    )

    assert isinstance(done, ServiceCompleted)
    assert done.room_id is None
    assert state.visits == {}
    assert state.service_seconds == {}


# --- transfer and cancel -----------------------------------------------------------------------------


def test_transfer_moves_the_visit_to_another_line_and_back_to_waiting() -> None:
    visitor = arrival()
    state = queued(empty(), visitor)
    state, _ = called(state)
    state, _ = accepted(state, StartService(**envelope(), visit_id=visitor.visit_id))

    state, moved = accepted(
        state, TransferVisit(**envelope(), visit_id=visitor.visit_id, to_line_id="self_service")
    )

    assert isinstance(moved, VisitTransferred)
    assert (moved.from_line_id, moved.to_line_id) == ("drop_in", "self_service")
    visit = state.visit(visitor.visit_id)
    assert visit is not None
    assert visit.line_id == "self_service"
    assert visit.stage is VisitStage.WAITING
    assert visit.room_id is None
    assert visit.calls == 0
    assert visit.ticket == "D-001"
    assert state.occupant(ROOM) is None
    state, again = called(state, OTHER_ROOM)
    assert again.visit_id == visitor.visit_id
    assert again.line_id == "self_service"


def test_transfer_to_an_unknown_or_the_same_line_is_rejected() -> None:
    visitor = arrival()
    state = queued(empty(), visitor)

    assert rejected(state, TransferVisit(**envelope(), visit_id=visitor.visit_id, to_line_id="vip")).code == (
        "unknown_line"
    )
    assert (
        rejected(state, TransferVisit(**envelope(), visit_id=visitor.visit_id, to_line_id="drop_in")).code
        == "same_line"
    )
    to_nobody = TransferVisit(
        **envelope(), visit_id=visitor.visit_id, to_line_id="appointment", counsellor_id="veileder-99"
    )
    assert rejected(state, to_nobody).code == "unknown_counsellor"


def test_transfer_to_a_counsellor_in_the_same_line_is_allowed() -> None:
    visitor = arrival()
    state = queued(empty(), visitor)

    state, moved = accepted(
        state,
        TransferVisit(
            **envelope(), visit_id=visitor.visit_id, to_line_id="drop_in", counsellor_id="veileder-1"
        ),
    )

    assert isinstance(moved, VisitTransferred)
    visit = state.visit(visitor.visit_id)
    assert visit is not None
    assert visit.counsellor_id == "veileder-1"


def test_cancel_removes_the_visit() -> None:
    first, second = arrival(at=NOW - timedelta(minutes=2)), arrival(at=NOW - timedelta(minutes=1))
    state = queued(empty(), first, second)

    state, cancelled = accepted(state, CancelVisit(**envelope(), visit_id=first.visit_id))

    assert isinstance(cancelled, VisitCancelled)
    assert cancelled.ticket == "D-001"
    assert list(state.visits) == [second.visit_id]
    state, event = called(state)
    assert event.visit_id == second.visit_id
    assert rejected(state, CancelVisit(**envelope(), visit_id=first.visit_id)).code == "unknown_visit"


# --- hold and return ---------------------------------------------------------------------------------


def hold(visit_id: UUID) -> HoldVisit:
    return HoldVisit(**envelope(), visit_id=visit_id)


def back(visit_id: UUID) -> ReturnVisit:
    return ReturnVisit(**envelope(), visit_id=visit_id)


def test_a_visitor_on_hold_keeps_their_place_and_is_never_called_until_back() -> None:
    first, second = arrival(at=NOW - timedelta(minutes=2)), arrival(at=NOW - timedelta(minutes=1))
    state = queued(empty(), first, second)

    state, held = accepted(state, hold(first.visit_id))

    assert isinstance(held, VisitHeld)
    assert (held.ticket, held.line_id, held.stage) == ("D-001", "drop_in", VisitStage.WAITING)
    assert [(v.ticket, v.held) for v in waiting_in_order(state, OFFICE)] == [
        ("D-001", True),
        ("D-002", False),
    ]
    refused = rejected(state, CallVisit(**envelope(), visit_id=first.visit_id, room_id=ROOM))
    assert (refused.code, refused.detail) == ("on_hold", "D-001 is on hold; put them back in line first.")
    state, call = called(state, ROOM)
    assert call.visit_id == second.visit_id
    assert first.visit_id not in call.up_next
    assert rejected(state, call_next(OTHER_ROOM)).code == "nobody_waiting"

    state, returned = accepted(state, back(first.visit_id))

    assert isinstance(returned, VisitReturned)
    assert returned.ticket == "D-001"
    state, again = called(state, OTHER_ROOM)
    assert again.visit_id == first.visit_id


def test_a_call_names_as_many_next_in_line_as_the_office_says_nearly_your_turn_reaches() -> None:
    policy = OFFICE.policy.model_copy(update={"sms_nearly_position": 8})
    office = OFFICE.model_copy(update={"policy": policy})
    arrivals = [arrival(at=NOW - timedelta(minutes=20 - m)) for m in range(11)]
    state = queued(empty(), *arrivals)

    decision = decide(state, office, call_next(), NOW)

    (call,) = decision.events
    assert isinstance(call, VisitorCalled)
    assert call.visit_id == arrivals[0].visit_id
    assert list(call.up_next) == [a.visit_id for a in arrivals[1:9]]


def test_a_called_visitor_who_stepped_out_goes_on_hold_and_returns_to_their_original_place() -> None:
    first, second, third = (arrival(at=NOW - timedelta(minutes=m)) for m in (3, 2, 1))
    state = queued(empty(), first, second, third)
    state, _ = called(state, ROOM)

    state, held = accepted(state, hold(first.visit_id))

    assert isinstance(held, VisitHeld)
    assert held.stage is VisitStage.CALLED
    visit = state.visit(first.visit_id)
    assert visit is not None
    assert (visit.stage, visit.held, visit.room_id, visit.calls, visit.called_at) == (
        VisitStage.WAITING,
        True,
        None,
        0,
        None,
    )
    assert state.occupant(ROOM) is None  # the room is free for the next visitor
    state, _ = called(state, ROOM)  # D-002
    state, _ = accepted(state, back(first.visit_id))
    assert [v.ticket for v in waiting_in_order(state, OFFICE)] == ["D-001", "D-003"]


def test_hold_and_return_are_refused_where_they_make_no_sense() -> None:
    visitor, other = arrival(), arrival()
    state = queued(empty(), visitor, other)

    assert rejected(state, back(visitor.visit_id)).detail == "D-001 is not on hold."
    state, _ = accepted(state, hold(visitor.visit_id))
    assert rejected(state, hold(visitor.visit_id)).detail == "D-001 is on hold already."
    state, _ = called(state)
    state, _ = accepted(state, StartService(**envelope(), visit_id=other.visit_id))
    in_service = rejected(state, hold(other.visit_id))
    assert (in_service.code, in_service.detail) == (
        "wrong_stage",
        "D-002 is in service, not waiting or called.",
    )
    assert rejected(state, hold(uuid4())).code == "unknown_visit"


def test_a_held_emergency_is_not_called_but_keeps_its_place_first() -> None:
    urgent = arrival(VisitKind.EMERGENCY, reason=Reason.EMERGENCY_ASSISTANCE)
    drop_in = arrival(at=NOW - timedelta(minutes=30))
    state = queued(empty(), drop_in, urgent)
    state, _ = accepted(state, hold(urgent.visit_id))

    state, call = called(state)

    assert call.visit_id == drop_in.visit_id
    assert [v.ticket for v in waiting_in_order(state, OFFICE)] == ["A-001"]


# --- undo --------------------------------------------------------------------------------------------


def undo(visit_id: UUID, at: datetime = NOW) -> UndoRemoval:
    return UndoRemoval(**{**envelope(), "occurred_at": at}, visit_id=visit_id)


def in_room(state: OfficeQueue) -> tuple[OfficeQueue, VisitorCheckedIn]:
    """A visitor in a conversation in ROOM, after a start a minute after the call."""
    visitor = arrival(at=NOW - timedelta(minutes=10))
    state = queued(state, visitor)
    state, _ = accepted(state, CallVisit(**envelope(), visit_id=visitor.visit_id, room_id=ROOM))
    state, _ = accepted(
        state, StartService(**envelope(), visit_id=visitor.visit_id), NOW + timedelta(minutes=1)
    )
    return state, visitor


def test_a_completion_undone_puts_the_visitor_back_in_the_room_and_forgets_its_service_time() -> None:
    state, visitor = in_room(empty())
    before = state
    done_at = NOW + timedelta(minutes=9)
    state, done = accepted(
        state, CompleteService(**envelope(), visit_id=visitor.visit_id, outcome=Outcome.SERVED), done_at
    )
    assert state.service_seconds == {"drop_in": [480]}

    state, restored = accepted(state, undo(visitor.visit_id, done_at + timedelta(seconds=10)), done_at)

    assert isinstance(restored, VisitRestored)
    assert (restored.undone, restored.undone_event_id) == ("ServiceCompleted", done.event_id)
    assert (restored.ticket, restored.stage, restored.line_id, restored.room_id, restored.calls) == (
        "D-001",
        VisitStage.IN_SERVICE,
        "drop_in",
        ROOM,
        1,
    )
    assert state.visits == before.visits
    assert state.service_seconds == {"drop_in": []}
    assert state.removed == {}
    assert rejected(state, undo(visitor.visit_id)).code == "nothing_to_undo"  # undone once


def test_a_no_show_a_cancel_and_a_transfer_can_each_be_undone() -> None:
    waiting, calledv, moved = (arrival(at=NOW - timedelta(minutes=m)) for m in (3, 2, 1))
    state = queued(empty(), waiting, calledv, moved)
    state, _ = accepted(state, CallVisit(**envelope(), visit_id=calledv.visit_id, room_id=ROOM))
    before = state

    state, _ = accepted(state, MarkNoShow(**envelope(), visit_id=calledv.visit_id))
    state, _ = accepted(state, CancelVisit(**envelope(), visit_id=waiting.visit_id))
    state, _ = accepted(
        state, TransferVisit(**envelope(), visit_id=moved.visit_id, to_line_id="self_service")
    )
    undone = []
    for visitor in (calledv, waiting, moved):
        state, restored = accepted(state, undo(visitor.visit_id))
        assert isinstance(restored, VisitRestored)
        undone.append((restored.ticket, restored.undone, restored.stage, restored.line_id, restored.room_id))

    assert undone == [
        ("D-002", "VisitorNoShow", VisitStage.CALLED, "drop_in", ROOM),
        ("D-001", "VisitCancelled", VisitStage.WAITING, "drop_in", None),
        ("D-003", "VisitTransferred", VisitStage.WAITING, "drop_in", None),
    ]
    assert state.visits == before.visits


def test_an_undo_after_the_offices_window_is_refused_undo_expired_by_the_injected_time() -> None:
    visitor = arrival()
    state = queued(empty(), visitor)
    state, _ = accepted(state, CancelVisit(**envelope(), visit_id=visitor.visit_id))
    window = timedelta(seconds=OFFICE.policy.undo_seconds)
    assert window == timedelta(seconds=15)

    late = rejected(state, undo(visitor.visit_id, NOW + window + timedelta(seconds=1)))

    assert (late.code, late.detail) == (
        "undo_expired",
        "D-001 can no longer be undone: undo is possible for 15 seconds.",
    )
    assert decide(state, OFFICE, undo(visitor.visit_id, NOW + window), NOW + window).rejection is None


def test_only_the_last_act_can_be_undone() -> None:
    visitor = arrival()
    state = queued(empty(), visitor)
    state, _ = accepted(
        state, TransferVisit(**envelope(), visit_id=visitor.visit_id, to_line_id="self_service")
    )
    state, _ = called(state)  # something happened since: the transfer is no longer the last act

    assert rejected(state, undo(visitor.visit_id)).code == "nothing_to_undo"
    assert rejected(queued(empty(), visitor), undo(visitor.visit_id)).code == "nothing_to_undo"


def test_an_undo_back_into_a_room_taken_meanwhile_is_refused_room_busy() -> None:
    first, second = arrival(at=NOW - timedelta(minutes=2)), arrival(at=NOW - timedelta(minutes=1))
    state = queued(empty(), first, second)
    state, _ = called(state, ROOM)
    state, _ = accepted(state, MarkNoShow(**envelope(), visit_id=first.visit_id))
    state, _ = called(state, ROOM)  # the next visitor is in the room

    refused = rejected(state, undo(first.visit_id))

    assert (refused.code, refused.detail) == (
        "room_busy",
        "Samtalerom 1 is in use by D-002; finish that visit first.",
    )


def test_removals_are_forgotten_at_the_days_end_and_after_the_longest_window() -> None:
    visitor, other = arrival(), arrival()
    state = queued(empty(), visitor, other)
    state, _ = accepted(state, CancelVisit(**envelope(), visit_id=visitor.visit_id))
    assert list(state.removed) == [visitor.visit_id]

    later, _ = accepted(state, call_next(), NOW + timedelta(minutes=6))
    closed, _ = run(state, CloseDay(**envelope(), business_date=DAY))

    assert later.removed == {}
    assert closed.removed == {}


# --- follow-ups --------------------------------------------------------------------------------------


def resolve(visit_id: UUID) -> ResolveFollowUp:
    return ResolveFollowUp(**envelope(), visit_id=visit_id)


def test_a_carried_over_emergency_stays_on_the_follow_up_list_across_days_until_resolved() -> None:
    state, _, emergency, _ = busy_day()
    state, _ = run(state, CloseDay(**envelope(), business_date=DAY))
    tomorrow = DAY + timedelta(days=1)
    state, _ = admit(state, arrival(day=tomorrow, at=NOW + timedelta(days=1)), NOW + timedelta(days=1))
    assert list(state.follow_ups) == [emergency.visit_id]
    state, _ = run(state, CloseDay(**envelope(), business_date=tomorrow))
    assert list(state.follow_ups) == [emergency.visit_id]  # still there after another day's end

    state, resolved = accepted(state, resolve(emergency.visit_id))

    assert isinstance(resolved, FollowUpResolved)
    assert (resolved.visit_id, resolved.ticket, resolved.business_date) == (emergency.visit_id, "A-001", DAY)
    assert state.follow_ups == {}
    again = rejected(state, resolve(emergency.visit_id))
    assert (again.code, again.detail) == (
        "unknown_visit",
        "That visit is not on the follow-up list of NAV Løten.",
    )


def test_an_open_visit_is_no_follow_up() -> None:
    visitor = arrival(VisitKind.EMERGENCY, reason=Reason.EMERGENCY_ASSISTANCE)

    assert rejected(queued(empty(), visitor), resolve(visitor.visit_id)).code == "unknown_visit"


def test_no_rejection_quotes_what_the_command_sent() -> None:
    """A rejection is answered, stored and published: it says what is wrong, never what was sent."""
    visitor = arrival()
    state = queued(empty(), visitor)
    stranger = uuid4()
    commands = [
        call_next("kjeller-9"),
        call_next(line_id="vip"),
        call_next(counsellor_id="veileder-99"),
        call_next(line_id="emergency"),
        CallVisit(**envelope(), visit_id=stranger, room_id=ROOM),
        StartService(**envelope(), visit_id=stranger),
        StartService(**envelope(), visit_id=visitor.visit_id),
        TransferVisit(**envelope(), visit_id=visitor.visit_id, to_line_id="vip"),
        TransferVisit(
            **envelope(), visit_id=visitor.visit_id, to_line_id="drop_in", counsellor_id="veileder-99"
        ),
        CloseDay(**envelope(), business_date=date(2026, 11, 20)),
        HoldVisit(**envelope(), visit_id=stranger),
        ReturnVisit(**envelope(), visit_id=visitor.visit_id),
        UndoRemoval(**envelope(), visit_id=visitor.visit_id),
        ResolveFollowUp(**envelope(), visit_id=stranger),
    ]
    for command in commands:
        rejection = rejected(state, command)
        sent = [str(value) for name, value in command if name not in ("schema_version", "type")]
        assert not [value for value in sent if value and value in rejection.detail], rejection.detail


# --- determinism -------------------------------------------------------------------------------------


def test_event_ids_depend_on_the_command_and_state_not_on_now() -> None:
    state = queued(empty(), arrival())
    command = call_next()

    first = decide(state, OFFICE, command, NOW)
    later = decide(state, OFFICE, command, NOW + timedelta(minutes=7))

    assert [e.event_id for e in first.events] == [e.event_id for e in later.events]
    assert first.events[0].occurred_at != later.events[0].occurred_at
    other = decide(state, OFFICE, call_next(), NOW)
    assert other.events[0].event_id != first.events[0].event_id


def test_rejection_ids_are_deterministic_too() -> None:
    command = call_next()

    first = decide(empty(), OFFICE, command, NOW).rejection
    later = decide(empty(), OFFICE, command, NOW + timedelta(hours=1)).rejection

    assert first is not None
    assert later is not None
    assert first.event_id == later.event_id


def test_check_in_event_ids_derive_from_the_visit() -> None:
    event = arrival()

    first = check_in(empty(), OFFICE, event, NOW)
    later = check_in(empty(), OFFICE, event, NOW + timedelta(minutes=3))

    assert first[0].event_id == later[0].event_id
    assert first[0].event_id != check_in(empty(), OFFICE, arrival(), NOW)[0].event_id


# --- the day's end -----------------------------------------------------------------------------------


def busy_day() -> tuple[OfficeQueue, VisitorCheckedIn, VisitorCheckedIn, VisitorCheckedIn]:
    drop_in = arrival(at=NOW - timedelta(minutes=3))
    emergency = arrival(
        VisitKind.EMERGENCY, reason=Reason.EMERGENCY_ASSISTANCE, at=NOW - timedelta(minutes=2)
    )
    appointment = arrival(
        VisitKind.APPOINTMENT,
        reason=Reason.COUNSELLOR_APPOINTMENT,
        appointment_at=NOW,
        at=NOW - timedelta(minutes=1),
    )
    state = queued(empty(), drop_in, emergency, appointment)
    state, _ = called(state, ROOM)  # the emergency
    state, _ = called(state, OTHER_ROOM)  # the appointment
    state, _ = accepted(state, StartService(**envelope(), visit_id=appointment.visit_id))
    return state, drop_in, emergency, appointment


def test_close_day_completes_conversations_carries_emergencies_over_and_closes_the_rest() -> None:
    """Nobody is dropped: the one in a conversation is served, the emergency is carried to the follow-up
    list, and only a drop-in nobody was serving is closed."""
    state, drop_in, emergency, appointment = busy_day()

    state, decision = run(state, CloseDay(**envelope(), business_date=DAY), NOW + timedelta(hours=4))

    carried, closed, completed, summary = decision.events  # by ticket: A-001, D-001, T-001
    assert isinstance(carried, VisitCarriedOver)
    assert (carried.visit_id, carried.ticket, carried.kind, carried.stage, carried.line_id) == (
        emergency.visit_id,
        "A-001",
        VisitKind.EMERGENCY,
        VisitStage.CALLED,
        "emergency",
    )
    assert (carried.business_date, carried.checked_in_at) == (DAY, emergency.occurred_at)
    assert isinstance(closed, VisitClosedAtDayEnd)
    assert (closed.visit_id, closed.ticket, closed.stage) == (drop_in.visit_id, "D-001", VisitStage.WAITING)
    assert isinstance(completed, ServiceCompleted)
    assert (completed.visit_id, completed.ticket, completed.room_id, completed.outcome) == (
        appointment.visit_id,
        "T-001",
        OTHER_ROOM,
        Outcome.SERVED,
    )
    assert isinstance(summary, OfficeDayClosed)
    assert summary.business_date == DAY
    assert (summary.closed_visits, summary.completed_visits, summary.carried_over_visits) == (1, 1, 1)
    assert len({event.event_id for event in decision.events}) == 4
    assert state.visits == {}
    assert state.day_closed
    assert state.counters == {"A": 1, "T": 1, "D": 1}  # kept: a late emergency today never repeats a ticket
    assert state.service_seconds == {"appointment": [4 * 3600]}  # the conversation counts as served
    assert list(state.follow_ups) == [emergency.visit_id]
    follow_up = state.follow_ups[emergency.visit_id]
    assert (follow_up.ticket, follow_up.kind, follow_up.business_date, follow_up.since) == (
        "A-001",
        VisitKind.EMERGENCY,
        DAY,
        emergency.occurred_at,
    )


def test_a_waiting_emergency_is_carried_over_too_and_a_called_drop_in_is_closed() -> None:
    emergency = arrival(VisitKind.EMERGENCY, reason=Reason.EMERGENCY_ASSISTANCE)
    drop_in = arrival(at=NOW - timedelta(minutes=5))
    state = queued(empty(), emergency, drop_in)
    state, _ = accepted(state, CallVisit(**envelope(), visit_id=drop_in.visit_id, room_id=ROOM))

    _, decision = run(state, CloseDay(**envelope(), business_date=DAY))

    kinds = {
        e.ticket: (type(e), e.stage)
        for e in decision.events
        if isinstance(e, VisitClosedAtDayEnd | VisitCarriedOver)
    }
    assert kinds == {
        "A-001": (VisitCarriedOver, VisitStage.WAITING),
        "D-001": (VisitClosedAtDayEnd, VisitStage.CALLED),
    }


def test_an_emergency_in_another_line_is_still_carried_over_and_first_in_line() -> None:
    """Emergency help is always given: the visit's kind says it, whichever line it waits in."""
    drop_in = arrival(at=NOW - timedelta(minutes=20))
    emergency = arrival(VisitKind.EMERGENCY, reason=Reason.EMERGENCY_ASSISTANCE, line_id="drop_in")
    state = queued(empty(), drop_in, emergency)
    assert [v.ticket for v in waiting_in_order(state, OFFICE)] == ["D-002", "D-001"]

    _, decision = run(state, CloseDay(**envelope(), business_date=DAY))

    assert [(type(e), e.ticket) for e in decision.events if isinstance(e, VisitCarriedOver)] == [
        (VisitCarriedOver, "D-002")
    ]


def test_a_late_emergency_after_closing_continues_the_days_numbers_and_the_day_can_close_again() -> None:
    state, *_ = busy_day()
    state, _ = run(state, CloseDay(**envelope(), business_date=DAY))
    state, events = admit(state, arrival(VisitKind.EMERGENCY, reason=Reason.EMERGENCY_ASSISTANCE))
    assert [e.ticket for e in events if isinstance(e, VisitorQueued)] == ["A-002"]
    assert not state.day_closed
    state, decision = run(state, CloseDay(**envelope(), business_date=DAY))
    assert decision.rejection is None
    assert [e.ticket for e in decision.events if isinstance(e, VisitCarriedOver)] == ["A-002"]
    assert [f.ticket for f in state.follow_ups.values()] == ["A-001", "A-002"]


def test_after_close_day_the_next_days_first_drop_in_is_d_001() -> None:
    state, *_ = busy_day()
    state, _ = run(state, CloseDay(**envelope(), business_date=DAY))

    _, events = admit(state, arrival(day=DAY + timedelta(days=1), at=NOW + timedelta(days=1)))

    assert isinstance(events[0], VisitorQueued)
    assert events[0].ticket == "D-001"


def test_close_day_on_an_empty_but_open_day_closes_nothing_but_the_day() -> None:
    visitor = arrival()
    state = queued(empty(), visitor)
    state, _ = accepted(state, CancelVisit(**envelope(), visit_id=visitor.visit_id))

    _, decision = run(state, CloseDay(**envelope(), business_date=DAY))

    assert len(decision.events) == 1
    assert isinstance(decision.events[0], OfficeDayClosed)
    assert decision.events[0].closed_visits == 0


def test_close_day_without_an_open_day_is_rejected() -> None:
    assert rejected(empty(), CloseDay(**envelope(), business_date=DAY)).code == "already_closed"


def test_close_day_twice_is_rejected_the_second_time() -> None:
    state, *_ = busy_day()
    state, _ = run(state, CloseDay(**envelope(), business_date=DAY))

    assert rejected(state, CloseDay(**envelope(), business_date=DAY)).code == "already_closed"


def test_close_day_for_an_earlier_date_than_the_open_day_is_rejected() -> None:
    state = queued(empty(), arrival())

    assert rejected(state, CloseDay(**envelope(), business_date=DAY - timedelta(days=1))).code == (
        "already_closed"
    )


def test_a_check_in_on_a_later_day_first_closes_the_previous_day() -> None:
    state, *_ = busy_day()
    tomorrow = arrival(day=DAY + timedelta(days=1), at=NOW + timedelta(days=1))

    state, events = admit(state, tomorrow, NOW + timedelta(days=1))

    kinds = [type(event) for event in events]
    assert kinds == [VisitCarriedOver, VisitClosedAtDayEnd, ServiceCompleted, OfficeDayClosed, VisitorQueued]
    closed_day = events[3]
    assert isinstance(closed_day, OfficeDayClosed)
    assert closed_day.business_date == DAY
    assert closed_day.causation_id == tomorrow.event_id
    new = events[4]
    assert isinstance(new, VisitorQueued)
    assert new.ticket == "D-001"
    assert new.position == 1
    assert list(state.visits) == [tomorrow.visit_id]
    assert state.business_date == DAY + timedelta(days=1)
    assert state.counters == {"D": 1}
    assert [f.ticket for f in state.follow_ups.values()] == ["A-001"]  # yesterday's emergency, kept


def test_the_day_end_has_the_same_event_ids_however_it_is_triggered() -> None:
    state, *_ = busy_day()
    by_command = close_day(state, DAY, CloseDay(**envelope(), business_date=DAY), NOW)
    by_check_in = check_in(state, OFFICE, arrival(day=DAY + timedelta(days=1)), NOW + timedelta(days=1))

    assert [e.event_id for e in by_command] == [e.event_id for e in by_check_in[:-1]]


def test_events_for_unknown_visits_change_nothing() -> None:
    state = queued(empty(), arrival())
    stray = VisitorCalled(
        event_id=uuid4(),
        occurred_at=NOW,
        office_id="loten",
        correlation_id=uuid4(),
        producer="queue",
        visit_id=uuid4(),
        business_date=DAY,
        ticket="D-099",
        line_id="drop_in",
        room_id=ROOM,
        call_number=1,
    )

    assert fold(state, [stray]) == state


def test_a_late_check_in_from_an_earlier_day_does_not_move_the_open_day_back() -> None:
    tomorrow = DAY + timedelta(days=1)
    today_visitor = arrival(day=tomorrow, at=NOW + timedelta(days=1))
    state = queued(empty(), today_visitor)
    stale = arrival(day=DAY, at=NOW)  # checked in yesterday, delivered only now

    state, _ = admit(state, stale, NOW + timedelta(days=1))
    _, events = admit(state, arrival(day=tomorrow, at=NOW + timedelta(days=1, minutes=1)))

    assert state.business_date == tomorrow
    closed = [e.visit_id for e in events if isinstance(e, VisitClosedAtDayEnd | ServiceCompleted)]
    assert today_visitor.visit_id not in closed


def test_every_event_of_a_visit_steered_away_unserved_survives_the_wire() -> None:
    """A host completes a waiting visit (steered to self-service) without calling it to a room."""
    visitor = arrival()
    state, events = admit(empty(), visitor)
    _, decision = run(
        state,
        CompleteService(**envelope(), visit_id=visitor.visit_id, outcome=Outcome.STEERED_TO_SELF_SERVICE),
    )

    for event in [*events, *decision.events]:
        assert decode(encode(event)) == event


# --- rooms in and out of service ---------------------------------------------------------------------


def test_a_room_out_of_service_is_never_called_to_until_opened_again() -> None:
    state = queued(empty(), arrival(), arrival())
    visitor = next(iter(state.visits.values()))

    state, closed = accepted(state, CloseRoom(**envelope(), room_id=ROOM))
    assert isinstance(closed, RoomClosed)
    assert state.closed_rooms == {ROOM}
    assert rejected(state, call_next(ROOM)).code == "room_closed"
    assert (
        rejected(state, CallVisit(**envelope(), visit_id=visitor.visit_id, room_id=ROOM)).code
        == "room_closed"
    )
    assert rejected(state, CloseRoom(**envelope(), room_id=ROOM)).code == "room_closed"
    called(state, "samtalerom-2")  # the others are called to as before

    state, opened = accepted(state, OpenRoom(**envelope(), room_id=ROOM))
    assert isinstance(opened, RoomOpened)
    assert state.closed_rooms == frozenset()
    assert rejected(state, OpenRoom(**envelope(), room_id=ROOM)).code == "room_open"
    called(state, ROOM)


def test_a_room_closed_with_a_visitor_in_it_lets_them_finish() -> None:
    state, call = called(queued(empty(), arrival()))
    state, _ = accepted(state, CloseRoom(**envelope(), room_id=ROOM))

    state, done = accepted(
        state, CompleteService(**envelope(), visit_id=call.visit_id, outcome=Outcome.SERVED)
    )

    assert isinstance(done, ServiceCompleted)
    assert state.closed_rooms == {ROOM}


def test_every_room_opens_with_the_next_day() -> None:
    state, _ = accepted(queued(empty(), arrival()), CloseRoom(**envelope(), room_id=ROOM))
    tomorrow = arrival(at=NOW + timedelta(days=1), day=DAY + timedelta(days=1))

    state, _ = admit(state, tomorrow, tomorrow.occurred_at)

    assert state.closed_rooms == frozenset()


def test_a_room_closed_until_a_time_says_so_and_stays_closed_until_a_host_opens_it() -> None:
    lunch_ends = NOW + timedelta(minutes=45)  # 13:15 in Oslo

    state, closed = accepted(empty(), CloseRoom(**envelope(), room_id=ROOM, until=lunch_ends))

    assert isinstance(closed, RoomClosed)
    assert closed.until == lunch_ends
    assert state.closed_until == {ROOM: lunch_ends}
    # past that time it is still closed: it is a host who opens it
    state = queued(state, arrival(at=lunch_ends + timedelta(minutes=5)))
    assert rejected(state, call_next(ROOM)).code == "room_closed"
    state, _ = accepted(state, OpenRoom(**envelope(), room_id=ROOM))
    assert state.closed_until == {}
    # closed again until further notice: no time kept from before
    state, closed = accepted(state, CloseRoom(**envelope(), room_id=ROOM))
    assert isinstance(closed, RoomClosed)
    assert closed.until is None
    assert state.closed_rooms == {ROOM}
    assert state.closed_until == {}


@pytest.mark.parametrize(
    "until",
    [NOW, NOW - timedelta(minutes=1), datetime(2026, 11, 23, 14, 31, tzinfo=UTC), NOW + timedelta(days=1)],
    ids=["now", "past", "after-the-opening", "tomorrow"],
)
def test_a_room_is_closed_until_a_time_later_than_now_and_within_the_days_opening(until: datetime) -> None:
    refusal = rejected(empty(), CloseRoom(**envelope(), room_id=ROOM, until=until))

    assert refusal.code == "bad_until"
    # Løten's opening ends at 15:30; until then it may be closed
    state, _ = accepted(
        empty(), CloseRoom(**envelope(), room_id=ROOM, until=datetime(2026, 11, 23, 14, 30, tzinfo=UTC))
    )
    assert state.closed_rooms == {ROOM}


def test_until_is_read_in_office_time_and_refused_on_a_day_the_office_does_not_open() -> None:
    assert office_instant(time(12, 45), NOW) == datetime(2026, 11, 23, 11, 45, tzinfo=UTC)
    assert office_instant(datetime(2026, 11, 23, 12, 45), NOW) == datetime(2026, 11, 23, 11, 45, tzinfo=UTC)
    assert until_refusal(OFFICE, datetime(2026, 11, 23, 11, 45, tzinfo=UTC), NOW) is None
    sunday = NOW - timedelta(days=1)
    assert until_refusal(OFFICE, sunday + timedelta(hours=1), sunday) is not None


def test_a_room_closed_record_without_until_is_closed_until_further_notice() -> None:
    fields = {"event_id": uuid4(), "occurred_at": NOW, "office_id": "loten", "correlation_id": uuid4()}
    record = encode(RoomClosed(**fields, producer="queue", business_date=DAY, room_id=ROOM))
    older = orjson.dumps({k: v for k, v in orjson.loads(record).items() if k != "until"})

    event = decode(older)

    assert isinstance(event, RoomClosed)
    assert event.until is None
    state = evolve(empty(), event)
    assert state.closed_rooms == {ROOM}
    assert state.closed_until == {}


def test_an_unknown_room_cannot_be_closed() -> None:
    assert rejected(empty(), CloseRoom(**envelope(), room_id="rom-99")).code == "unknown_room"


# --- correlation ids -----------------------------------------------------------------------------------


def test_everything_about_a_visit_carries_the_visit_as_its_correlation_id() -> None:
    """Whatever correlation id a command came with (here random ones; a call of the next names no visit),
    each event about a visit is correlated with that visit: its queueing, call, recall, conversation,
    outcome, hold and return, transfer, no-show, cancel and undo."""
    first, second, third = arrival(), arrival(), arrival()
    state = queued(empty(), first, second, third)
    state, call = called(state)
    steps: list[Event] = [call]
    for command in (
        Recall(**envelope(), visit_id=first.visit_id),
        StartService(**envelope(), visit_id=first.visit_id),
        CompleteService(**envelope(), visit_id=first.visit_id, outcome=Outcome.SERVED),
        undo(first.visit_id),
        CompleteService(**envelope(), visit_id=first.visit_id, outcome=Outcome.SERVED),
        hold(second.visit_id),
        back(second.visit_id),
        TransferVisit(**envelope(), visit_id=second.visit_id, to_line_id="self_service"),
        MarkNoShow(**envelope(), visit_id=third.visit_id),
        undo(third.visit_id),
        CancelVisit(**envelope(), visit_id=third.visit_id),
    ):
        state, event = accepted(state, command)
        steps.append(event)
    queued_events = [e for e in check_in(empty(), OFFICE, first, NOW) if isinstance(e, VisitorQueued)]
    for event in [*queued_events, *steps]:
        assert isinstance(event, TicketedEvent)
        assert event.correlation_id == event.visit_id == visit_correlation(event.visit_id), event
    assert {type(e) for e in steps} >= {VisitorCalled, ServiceStarted, ServiceCompleted, VisitRestored,
                                        VisitHeld, VisitReturned, VisitTransferred, VisitorNoShow,
                                        VisitCancelled}  # fmt: skip


def test_the_day_end_correlates_each_visit_with_itself_and_the_close_with_the_office_day() -> None:
    state, *_ = busy_day()
    events = close_day(state, DAY, CloseDay(**envelope(), business_date=DAY), NOW)
    closed = events.pop()
    assert isinstance(closed, OfficeDayClosed)
    assert closed.correlation_id == office_day_correlation("loten", DAY)
    assert len(events) == 3
    for event in events:
        assert isinstance(event, TicketedEvent)
        assert event.correlation_id == event.visit_id


def test_office_wide_events_carry_the_office_days_correlation_id_and_a_rejection_its_commands() -> None:
    state, out = accepted(empty(), CloseRoom(**envelope(), room_id=ROOM))
    _, back_in = accepted(state, OpenRoom(**envelope(), room_id=ROOM))
    assert isinstance(out, RoomClosed)
    assert isinstance(back_in, RoomOpened)
    assert out.correlation_id == back_in.correlation_id == office_day_correlation("loten", DAY)
    assert office_day_correlation("loten", DAY) != office_day_correlation("loten", DAY + timedelta(days=1))
    assert office_day_correlation("loten", DAY) != office_day_correlation("halden", DAY)
    command = call_next()
    assert rejected(empty(), command).correlation_id == command.correlation_id


def test_an_office_wide_event_before_the_first_visit_is_of_the_offices_day_in_its_configured_zone() -> None:
    new_york = ZoneInfo("America/New_York")
    late_evening = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 22:00 on the 23rd in New York, 04:00 in Oslo
    command = CloseRoom(**{**envelope(), "occurred_at": late_evening}, room_id=ROOM)

    (closed,) = decide(empty(), OFFICE, command, late_evening, new_york).events

    assert closed.correlation_id == office_day_correlation("loten", DAY)
