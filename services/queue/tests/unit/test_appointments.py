"""The day's appointments in the queue: booked, moved, cancelled, arrived by reference, missed after the
office's grace period on the injected clock, and the lists hosts and counsellors see."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from visitflow_events import (
    Appointment,
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentMissed,
    AppointmentRescheduled,
    CheckAppointments,
    Event,
    Reason,
    VisitKind,
    VisitorCheckedIn,
    booking_correlation,
)
from visitflow_offices import FixedClock, Office, load_offices
from visitflow_queue.domain.appointments import DayBook, Status, book, expected, missed, time_changes
from visitflow_queue.domain.state import OfficeQueue
from visitflow_queue.handlers.visit_events import QueueHandlers

CONFIG = Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml"
OFFICES = load_offices(CONFIG)
_LOTEN = OFFICES.office("loten")
assert _LOTEN is not None
OFFICE: Office = _LOTEN
NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # Monday 12:30 in Oslo
DAY = date(2026, 11, 23)


def envelope(booking_id: str, day: date = DAY) -> dict[str, Any]:
    return {
        "event_id": uuid4(),
        "occurred_at": NOW - timedelta(days=2),
        "office_id": "loten",
        "correlation_id": uuid4(),
        "producer": "checkin",
        "booking_id": booking_id,
        "business_date": day,
    }


def booked(
    booking_id: str, starts: datetime, counsellor: str = "veileder-1", day: date = DAY
) -> AppointmentBooked:
    return AppointmentBooked(
        **envelope(booking_id, day),
        counsellor_id=counsellor,
        starts_at=starts,
        duration_minutes=30,
        reason=Reason.COUNSELLOR_APPOINTMENT,
    )


def checked_in(reference: str, at: datetime = NOW) -> VisitorCheckedIn:
    return VisitorCheckedIn(
        event_id=uuid4(),
        occurred_at=at,
        office_id="loten",
        correlation_id=uuid4(),
        producer="checkin",
        visit_id=uuid4(),
        business_date=DAY,
        kind=VisitKind.APPOINTMENT,
        reason=Reason.COUNSELLOR_APPOINTMENT,
        line_id="appointment",
        appointment=Appointment(reference=reference, starts_at=at, counsellor_id="veileder-1"),
    )


def day_of(*events: Event) -> DayBook:
    day = DayBook(office_id="loten", business_date=DAY)
    for event in events:
        assert isinstance(event, (AppointmentBooked, AppointmentRescheduled, AppointmentCancelled))
        day = book(day, event)
    return day


def test_the_next_hour_comes_first_then_the_rest_of_the_day_in_office_time() -> None:
    day = day_of(
        booked("TA-LATE", NOW + timedelta(hours=2)),
        booked("TA-SOON", NOW + timedelta(minutes=40)),
        booked("TA-NOWW", NOW + timedelta(minutes=5)),
    )
    lists = expected(day, OFFICE, OfficeQueue(office_id="loten"), NOW)
    assert [b["booking_id"] for b in lists["next_hour"]] == ["TA-NOWW", "TA-SOON"]
    assert [b["booking_id"] for b in lists["later"]] == ["TA-LATE"]
    assert lists["next_hour"][0]["time"] == "12:35"  # Oslo, not UTC
    assert lists["next_hour"][0]["counsellor"] == "Veileder 1"


def test_a_booking_moved_or_cancelled_is_shown_as_it_now_stands() -> None:
    moved = AppointmentRescheduled(
        **envelope("TA-MOVE"),
        counsellor_id="veileder-2",
        starts_at=NOW + timedelta(hours=3),
        duration_minutes=45,
        reason=Reason.JOB_SEEKING,
    )
    day = day_of(
        booked("TA-MOVE", NOW + timedelta(minutes=10)),
        moved,
        booked("TA-GONE", NOW),
        AppointmentCancelled(**envelope("TA-GONE")),
    )
    assert list(day.bookings) == ["TA-MOVE"]
    assert (day.bookings["TA-MOVE"].counsellor_id, day.bookings["TA-MOVE"].duration_minutes) == (
        "veileder-2",
        45,
    )


def test_an_appointment_is_missed_at_its_start_plus_the_grace_period_and_not_before() -> None:
    grace = timedelta(minutes=OFFICE.policy.appointment_grace_minutes)
    day = day_of(booked("TA-MISS", NOW), booked("TA-NEXT", NOW + timedelta(hours=1)))
    assert missed(day, OFFICE, NOW + grace - timedelta(seconds=1), "queue") == []
    (event,) = missed(day, OFFICE, NOW + grace, "queue")
    assert (event.booking_id, event.counsellor_id, event.starts_at) == ("TA-MISS", "veileder-1", NOW)
    # correlated with its booking as the check-in service's booking events are
    assert event.correlation_id == booking_correlation(OFFICE.id, "TA-MISS")
    assert (
        missed(day, OFFICE, NOW + grace, "queue")[0].event_id == event.event_id
    )  # decided again: same event
    after = book(day, event)
    assert after.bookings["TA-MISS"].status is Status.MISSED
    assert missed(after, OFFICE, NOW + grace, "queue") == []


def handlers(clock: FixedClock) -> tuple[QueueHandlers, list[Event]]:
    emitted: list[Event] = []
    pictures: list[dict[str, Any]] = []

    class Outbox:
        async def emit(self, events: list[Event]) -> None:
            emitted.extend(events)

        async def project(self, changes: Any, replies: Any) -> None:
            pictures.extend(view for _, _, view in changes)

        async def refresh(self, views: Any) -> None:
            pass

    queue = QueueHandlers(offices=OFFICES, clock=clock, outbox=Outbox(), states={}, results={})
    PICTURES[id(queue)] = pictures
    return queue, emitted


PICTURES: dict[int, list[dict[str, Any]]] = {}  # what each test's handlers pushed, in order


def check(at: datetime) -> CheckAppointments:
    return CheckAppointments(
        command_id=uuid4(),
        occurred_at=at,
        office_id="loten",
        correlation_id=uuid4(),
        producer="t",
        business_date=DAY,
    )


async def test_the_worker_keeps_the_day_marks_the_arrival_and_decides_the_missed_on_its_clock() -> None:
    clock = FixedClock(NOW - timedelta(minutes=20))
    queue, emitted = handlers(clock)
    await queue.handle_batch([booked("TA-COME", NOW), booked("TA-AWAY", NOW)])
    await queue.handle(checked_in("TA-COME", at=NOW - timedelta(minutes=10)))
    pushed = PICTURES[id(queue)][-1]["appointments"]  # the check-in's own picture shows the arrival
    assert [b["booking_id"] for b in pushed["arrived"]] == ["TA-COME"]

    clock.advance(timedelta(minutes=20 + OFFICE.policy.appointment_grace_minutes))
    await queue.handle(check(clock.now()))
    await queue.handle(check(clock.now()))  # asked twice: decided once

    assert [e.booking_id for e in emitted if isinstance(e, AppointmentMissed)] == ["TA-AWAY"]
    day = queue.day("loten", DAY)
    assert {b: x.status for b, x in day.bookings.items()} == {
        "TA-COME": Status.ARRIVED,
        "TA-AWAY": Status.MISSED,
    }
    picture = queue.snapshots(["loten"])[0][1]["appointments"]
    assert [b["booking_id"] for b in picture["arrived"]] == ["TA-COME"]
    assert picture["arrived"][0]["arrived_at"] == (NOW - timedelta(minutes=10)).isoformat()
    assert picture["arrived"][0]["stage"] == "waiting"
    assert [b["booking_id"] for b in picture["missed"]] == ["TA-AWAY"]


async def test_a_booking_moved_to_another_day_leaves_the_day_it_was_on() -> None:
    queue, _ = handlers(FixedClock(NOW))
    tomorrow = DAY + timedelta(days=1)
    await queue.handle(booked("TA-MOVE", NOW + timedelta(hours=1)))
    moved = AppointmentRescheduled(
        **envelope("TA-MOVE", tomorrow),
        counsellor_id="veileder-1",
        starts_at=NOW + timedelta(days=1),
        duration_minutes=30,
        reason=Reason.COUNSELLOR_APPOINTMENT,
    )
    await queue.handle(moved)
    assert queue.day("loten", DAY).bookings == {}
    assert list(queue.day("loten", tomorrow).bookings) == ["TA-MOVE"]


def test_the_time_alone_moves_a_booking_into_the_next_hour_and_then_makes_it_late() -> None:
    day = day_of(booked("TA-SOON", NOW + timedelta(minutes=70)))
    minute = timedelta(minutes=1)
    assert not time_changes(day, NOW, NOW + 9 * minute)
    assert time_changes(day, NOW + 9 * minute, NOW + 10 * minute)  # into the next hour
    assert not time_changes(day, NOW + 10 * minute, NOW + 69 * minute)
    assert time_changes(day, NOW + 69 * minute, NOW + 71 * minute)  # late


async def test_the_picture_is_pushed_again_when_a_booking_becomes_late() -> None:
    clock = FixedClock(NOW)
    queue, _ = handlers(clock)
    await queue.handle(booked("TA-SOON", NOW + timedelta(minutes=5)))
    queue.snapshots(["loten"])  # the picture made now
    clock.advance(timedelta(minutes=6))
    assert await queue.refresh_with_time() == 1


async def test_an_arrival_survives_a_move_in_the_same_batch_and_past_days_are_forgotten() -> None:
    clock = FixedClock(NOW)
    queue, _ = handlers(clock)
    await queue.handle(booked("TA-COME", NOW + timedelta(minutes=5)))
    later = AppointmentRescheduled(
        **envelope("TA-COME"),
        counsellor_id="veileder-1",
        starts_at=NOW + timedelta(minutes=20),
        duration_minutes=30,
        reason=Reason.COUNSELLOR_APPOINTMENT,
    )
    await queue.handle_batch([checked_in("TA-COME"), later])
    assert queue.day("loten", DAY).bookings["TA-COME"].status is Status.ARRIVED

    clock.advance(timedelta(days=2))
    two_days_on = DAY + timedelta(days=2)
    assert queue.stale_days("loten", two_days_on) == [f"loten:{DAY.isoformat()}"]
    await queue.handle(check(clock.now()).model_copy(update={"business_date": two_days_on}))
    assert f"loten:{DAY.isoformat()}" not in queue.days  # forgotten
