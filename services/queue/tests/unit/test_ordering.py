"""Call order: emergencies, then the overdue, then appointments by their time, then drop-in first come,
first served."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st
from visitflow_events import Appointment, Reason, VisitKind, VisitorCheckedIn, VisitStage
from visitflow_offices import Office, load_offices
from visitflow_queue.domain import OfficeQueue, OpenVisit, check_in, fold, waiting_in_order
from visitflow_queue.domain.ordering import (
    CallQueue,
    call_order_key,
    callable_in_order,
    is_overdue,
    micros,
    rank_at,
)

CONFIG = Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml"
NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
DAY = date(2026, 11, 23)


def loten() -> Office:
    office = load_offices(CONFIG).office("loten")
    assert office is not None
    return office


OFFICE = loten()


def arrival(
    kind: VisitKind = VisitKind.DROP_IN,
    minutes: int = 0,
    *,
    reason: Reason = Reason.CASE_STATUS,
    appointment_in: int | None = None,
    counsellor_id: str | None = None,
) -> VisitorCheckedIn:
    """A check-in `minutes` after NOW, with an appointment `appointment_in` minutes after NOW."""
    appointment = (
        Appointment(
            reference="REF-4K7Q",
            starts_at=NOW + timedelta(minutes=appointment_in),
            counsellor_id=counsellor_id,
        )
        if appointment_in is not None
        else None
    )
    return VisitorCheckedIn(
        event_id=uuid4(),
        occurred_at=NOW + timedelta(minutes=minutes),
        office_id="loten",
        correlation_id=uuid4(),
        producer="checkin",
        visit_id=uuid4(),
        business_date=DAY,
        kind=kind,
        reason=reason,
        line_id=OFFICE.line_for(kind, reason).id,
        appointment=appointment,
    )


def emergency(minutes: int = 0) -> VisitorCheckedIn:
    return arrival(VisitKind.EMERGENCY, minutes, reason=Reason.EMERGENCY_ASSISTANCE)


def appointment(minutes: int, at: int, counsellor_id: str | None = None) -> VisitorCheckedIn:
    return arrival(
        VisitKind.APPOINTMENT,
        minutes,
        reason=Reason.COUNSELLOR_APPOINTMENT,
        appointment_in=at,
        counsellor_id=counsellor_id,
    )


def state_with(*arrivals: VisitorCheckedIn) -> OfficeQueue:
    state = OfficeQueue(office_id="loten")
    for event in arrivals:
        state = fold(state, check_in(state, OFFICE, event, event.occurred_at))
    return state


def ids(visits: list[OpenVisit]) -> list[object]:
    return [visit.visit_id for visit in visits]


def test_emergency_before_appointment_before_drop_in() -> None:
    drop_in = arrival(minutes=0)
    booked = appointment(minutes=1, at=5)
    urgent = emergency(minutes=2)

    order = waiting_in_order(state_with(drop_in, booked, urgent), OFFICE)

    assert ids(order) == [urgent.visit_id, booked.visit_id, drop_in.visit_id]


def test_appointments_are_ordered_by_appointment_time_not_arrival() -> None:
    early_bird_late_slot = appointment(minutes=0, at=30)
    late_arrival_early_slot = appointment(minutes=10, at=15)
    middle = appointment(minutes=5, at=20)

    order = waiting_in_order(state_with(early_bird_late_slot, late_arrival_early_slot, middle), OFFICE)

    assert ids(order) == [late_arrival_early_slot.visit_id, middle.visit_id, early_bird_late_slot.visit_id]


def test_drop_in_is_first_come_first_served() -> None:
    arrivals = [arrival(minutes=m) for m in (0, 1, 2, 3)]

    order = waiting_in_order(state_with(*arrivals), OFFICE)

    assert ids(order) == [event.visit_id for event in arrivals]
    assert [visit.ticket for visit in order] == ["D-001", "D-002", "D-003", "D-004"]


def test_drop_in_order_follows_check_in_time_even_when_events_arrive_out_of_order() -> None:
    later = arrival(minutes=5)
    earlier = arrival(minutes=1)

    order = waiting_in_order(state_with(later, earlier), OFFICE)

    assert ids(order) == [earlier.visit_id, later.visit_id]


def test_emergencies_among_themselves_are_first_come_first_served() -> None:
    first, second = emergency(3), emergency(4)

    assert ids(waiting_in_order(state_with(second, first), OFFICE)) == [first.visit_id, second.visit_id]


def test_the_self_service_line_comes_after_plain_drop_in() -> None:
    helper = arrival(minutes=0, reason=Reason.SELF_SERVICE_HELP)
    plain = arrival(minutes=5)

    order = waiting_in_order(state_with(helper, plain), OFFICE)

    assert [visit.line_id for visit in order] == ["drop_in", "self_service"]


def test_filtering_by_line() -> None:
    drop_in, urgent = arrival(minutes=0), emergency(1)
    state = state_with(drop_in, urgent)

    assert ids(waiting_in_order(state, OFFICE, "drop_in")) == [drop_in.visit_id]
    assert ids(waiting_in_order(state, OFFICE, "emergency")) == [urgent.visit_id]
    assert waiting_in_order(state, OFFICE, "self_service") == []


def test_a_counsellor_gets_their_own_appointments_first_and_never_anothers() -> None:
    mine = appointment(minutes=2, at=25, counsellor_id="veileder-1")
    theirs = appointment(minutes=0, at=10, counsellor_id="veileder-2")
    anyone = appointment(minutes=1, at=15)
    drop_in = arrival(minutes=0)

    order = waiting_in_order(state_with(mine, theirs, anyone, drop_in), OFFICE, counsellor_id="veileder-1")

    assert ids(order) == [mine.visit_id, anyone.visit_id, drop_in.visit_id]


def test_called_visitors_are_not_waiting() -> None:
    first, second = arrival(minutes=0), arrival(minutes=1)
    state = state_with(first, second)
    visit = state.visits[first.visit_id]
    state = state.model_copy(
        update={
            "visits": {**state.visits, first.visit_id: visit.model_copy(update={"stage": VisitStage.CALLED})}
        }
    )

    assert ids(waiting_in_order(state, OFFICE)) == [second.visit_id]


# --- ageing: nobody waits past the office's limit while later visitors of other lines go first ----------

LIMIT = timedelta(minutes=OFFICE.policy.max_wait_minutes)


def test_the_limit_is_45_minutes_by_default() -> None:
    assert OFFICE.policy.max_wait_minutes == 45


def test_a_self_service_visitor_past_the_limit_goes_before_later_drop_ins() -> None:
    """The starved line: a self-service visitor waited 92 minutes while later drop-ins went first."""
    starved = arrival(minutes=0, reason=Reason.SELF_SERVICE_HELP)
    drop_ins = [arrival(minutes=m) for m in (10, 20, 30)]
    state = state_with(starved, *drop_ins)

    before = waiting_in_order(state, OFFICE, now=NOW + LIMIT)
    after = waiting_in_order(state, OFFICE, now=NOW + LIMIT + timedelta(seconds=1))

    assert ids(before) == [*ids_of(drop_ins), starved.visit_id]  # at the limit: by priority still
    assert ids(after) == [starved.visit_id, *ids_of(drop_ins)]
    assert ids(waiting_in_order(state, OFFICE)) == ids(before)  # without a time: by priority alone


def test_emergencies_go_first_even_before_the_overdue() -> None:
    starved = arrival(minutes=0, reason=Reason.SELF_SERVICE_HELP)
    urgent = emergency(minutes=60)

    order = waiting_in_order(state_with(starved, urgent), OFFICE, now=NOW + timedelta(minutes=61))

    assert ids(order) == [urgent.visit_id, starved.visit_id]


def test_the_overdue_go_longest_waiting_first_whatever_their_line() -> None:
    helper = arrival(minutes=5, reason=Reason.SELF_SERVICE_HELP)
    drop_in = arrival(minutes=0)
    booked = appointment(minutes=0, at=3)

    order = waiting_in_order(state_with(helper, drop_in, booked), OFFICE, now=NOW + timedelta(minutes=60))

    assert ids(order) == [drop_in.visit_id, booked.visit_id, helper.visit_id]


def test_an_appointment_waits_from_its_time_not_from_an_early_arrival() -> None:
    early = appointment(minutes=0, at=30)  # came half an hour early
    drop_in = arrival(minutes=10)
    state = state_with(early, drop_in)
    at_60 = NOW + timedelta(minutes=60)

    order = waiting_in_order(state, OFFICE, now=at_60)

    assert ids(order) == [drop_in.visit_id, early.visit_id]  # 50 minutes waited against 30
    assert not is_overdue(OFFICE, state.visits[early.visit_id], at_60)
    assert is_overdue(OFFICE, state.visits[early.visit_id], NOW + timedelta(minutes=76))


def test_an_emergency_is_never_overdue() -> None:
    urgent = emergency()

    assert not is_overdue(OFFICE, state_with(urgent).visits[urgent.visit_id], NOW + timedelta(hours=3))


def test_a_visitor_on_hold_keeps_their_place_in_the_order_but_is_not_callable() -> None:
    first, second = arrival(minutes=0), arrival(minutes=1)
    state = state_with(first, second)
    visit = state.visits[first.visit_id]
    state = state.model_copy(
        update={"visits": {**state.visits, first.visit_id: visit.model_copy(update={"held": True})}}
    )

    assert ids(waiting_in_order(state, OFFICE)) == [first.visit_id, second.visit_id]
    assert ids(callable_in_order(state, OFFICE)) == [second.visit_id]


def ids_of(arrivals: list[VisitorCheckedIn]) -> list[object]:
    return [event.visit_id for event in arrivals]


def visit_at(kind: VisitKind, waited: timedelta, ticket: str, appointment_in: int | None = None) -> OpenVisit:
    line = OFFICE.line_for(kind, REASON_OF[kind])
    appointment_in = appointment_in if kind is VisitKind.APPOINTMENT else None
    return OpenVisit(
        visit_id=uuid4(),
        ticket=ticket,
        line_id=line.id,
        kind=kind,
        reason=REASON_OF[kind],
        checked_in_at=NOW - waited,
        appointment_at=NOW + timedelta(minutes=appointment_in) if appointment_in is not None else None,
    )


REASON_OF = {
    VisitKind.EMERGENCY: Reason.EMERGENCY_ASSISTANCE,
    VisitKind.APPOINTMENT: Reason.COUNSELLOR_APPOINTMENT,
    VisitKind.DROP_IN: Reason.CASE_STATUS,
}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(REASON_OF)),
            # around the limit to the microsecond, and anywhere in the day
            st.one_of(
                st.integers(min_value=45 * 60_000_000 - 3, max_value=45 * 60_000_000 + 3),
                st.integers(min_value=0, max_value=6 * 3_600_000_000),
            ),
            st.one_of(st.none(), st.integers(min_value=-60, max_value=60)),
        ),
        max_size=25,
    ),
    st.one_of(st.none(), st.integers(min_value=-2, max_value=2)),
)
def test_the_order_in_numbers_is_the_call_order_with_its_ties(
    drawn: list[tuple[VisitKind, int, int | None]], moved_us: int | None
) -> None:
    visits = [
        visit_at(
            kind,
            timedelta(microseconds=waited),
            f"X-{n % 7:03d}",
            booked if kind is VisitKind.APPOINTMENT else None,
        )
        for n, (kind, waited, booked) in enumerate(drawn)
    ]
    now = None if moved_us is None else NOW + timedelta(microseconds=moved_us)
    at = None if now is None else micros(now)
    for one in visits:
        for other in visits:
            by_time = call_order_key(OFFICE, one, now), call_order_key(OFFICE, other, now)
            in_numbers = rank_at(OFFICE, one, at), rank_at(OFFICE, other, at)
            assert (by_time[0] < by_time[1]) == (in_numbers[0] < in_numbers[1])
            assert (by_time[0] == by_time[1]) == (in_numbers[0] == in_numbers[1])


def test_a_visits_ranks_follow_the_office_they_are_asked_for() -> None:
    visit = visit_at(VisitKind.DROP_IN, timedelta(minutes=5), "D-001")
    self_service = visit_at(VisitKind.DROP_IN, timedelta(minutes=1), "S-001").model_copy(
        update={"line_id": "self_service", "reason": Reason.SELF_SERVICE_HELP}
    )
    config = OFFICE.model_dump()
    for line in config["lines"]:
        line["priority"] = 9 if line["id"] == "drop_in" else line["priority"]
    reordered = Office.model_validate(config)  # drop-in after self-service
    assert rank_at(OFFICE, visit, None) < rank_at(OFFICE, self_service, None)
    assert rank_at(reordered, visit, None) > rank_at(reordered, self_service, None)  # not the cached ranks
    assert rank_at(OFFICE, visit, None) < rank_at(OFFICE, self_service, None)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=-5, max_value=5), min_size=1, max_size=12), st.data())
def test_the_call_queue_takes_a_visitor_as_overdue_from_the_microsecond_past_the_limit(
    offsets_us: list[int], data: st.DataObject
) -> None:
    """The queue's play time in float seconds, and the limit to the microsecond as `now + timedelta`
    has it."""
    limit = timedelta(minutes=OFFICE.policy.max_wait_minutes)
    self_service = [
        visit_at(VisitKind.DROP_IN, limit - timedelta(microseconds=offset), f"S-{n:03d}").model_copy(
            update={"line_id": "self_service", "reason": Reason.SELF_SERVICE_HELP}
        )
        for n, offset in enumerate(offsets_us)
    ]
    drop_in = visit_at(VisitKind.DROP_IN, timedelta(0), "D-001")
    t = data.draw(st.sampled_from([0.0, 1e-6, 2e-6, 2.5e-6, 3.4999e-6, 5e-6]))
    queue: CallQueue[OpenVisit] = CallQueue(OFFICE, NOW, [drop_in, *self_service])
    _, first = queue.pop_first(t)
    at = NOW + timedelta(seconds=t)
    overdue = [v for v in self_service if is_overdue(OFFICE, v, at)]
    expected = min(overdue, key=lambda v: call_order_key(OFFICE, v, at)) if overdue else drop_in
    assert first is expected
