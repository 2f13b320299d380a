"""An office's appointments of one day, as the booking feed says them and the queue has seen them come:
booked, arrived (checked in with the booking's reference), missed (not by the start plus the office's
grace period: `AppointmentMissed`, decided here on the worker's clock). Cancelled bookings leave the day.

`expected` is what hosts and counsellors see: the coming appointments of the next hour first, then the
rest of the day, and those that arrived (with when, and where their visit is) or were missed, in
office time. It changes only when a booking crosses a boundary (`time_changes`), never by the second,
so a picture rebuilt a moment later is the same.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from visitflow_events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentEvent,
    AppointmentMissed,
    AppointmentRescheduled,
    Reason,
    VisitorCheckedIn,
    booking_correlation,
    new_envelope,
)
from visitflow_offices import OSLO, Office

from .state import OfficeQueue

NEXT_HOUR = timedelta(hours=1)
_IDS = UUID("3b0c7e55-4f7a-4d0e-8a7c-9c1e0a4b6d21")


class Status(StrEnum):
    BOOKED = "booked"
    ARRIVED = "arrived"
    MISSED = "missed"


class Booked(BaseModel):
    model_config = ConfigDict(frozen=True)

    booking_id: str
    counsellor_id: str
    starts_at: datetime
    duration_minutes: int
    reason: Reason
    status: Status = Status.BOOKED
    visit_id: UUID | None = None
    arrived_at: datetime | None = None


class DayBook(BaseModel):
    """One office's bookings of one day, by booking id."""

    model_config = ConfigDict(frozen=True)

    office_id: str
    business_date: date | None = None
    bookings: dict[str, Booked] = Field(default_factory=dict)

    def with_booking(self, booked: Booked | None, booking_id: str) -> DayBook:
        bookings = {k: v for k, v in self.bookings.items() if k != booking_id}
        if booked is not None:
            bookings[booking_id] = booked
        return self.model_copy(update={"bookings": bookings})


def day_key(office_id: str, day: date) -> str:
    return f"{office_id}:{day.isoformat()}"


def book(day: DayBook, event: AppointmentEvent) -> DayBook:
    """The day after a booking event of this day. A booking moved or booked again keeps its arrival."""
    known = day.bookings.get(event.booking_id)
    match event:
        case AppointmentBooked() | AppointmentRescheduled():
            booked = Booked(
                booking_id=event.booking_id,
                counsellor_id=event.counsellor_id,
                starts_at=event.starts_at,
                duration_minutes=event.duration_minutes,
                reason=event.reason,
            )
            if known is not None and known.status is Status.ARRIVED:
                booked = booked.model_copy(
                    update={
                        "status": known.status,
                        "visit_id": known.visit_id,
                        "arrived_at": known.arrived_at,
                    }
                )
            return day.with_booking(booked, event.booking_id)
        case AppointmentCancelled():
            return day.with_booking(None, event.booking_id)
        case AppointmentMissed():
            if known is None or known.status is not Status.BOOKED:
                return day
            return day.with_booking(known.model_copy(update={"status": Status.MISSED}), event.booking_id)
    return day


def arrive(day: DayBook, event: VisitorCheckedIn) -> DayBook:
    """A check-in with a booking's reference is that booking's arrival (also after it was called missed:
    the visitor came after all)."""
    reference = event.appointment.reference if event.appointment else None
    known = day.bookings.get(reference) if reference else None
    if known is None or known.status is Status.ARRIVED:
        return day
    arrived = known.model_copy(
        update={"status": Status.ARRIVED, "visit_id": event.visit_id, "arrived_at": event.occurred_at}
    )
    return day.with_booking(arrived, known.booking_id)


def grace(office: Office) -> timedelta:
    return timedelta(minutes=office.policy.appointment_grace_minutes)


def missed(day: DayBook, office: Office, now: datetime, producer: str) -> list[AppointmentMissed]:
    """The bookings nobody checked in for by their start plus the office's grace period. Each event's id
    derives from the booking and its start, so deciding again makes the same event."""
    if day.business_date is None:
        return []
    return [
        AppointmentMissed(
            **new_envelope(
                event_id=uuid5(_IDS, f"{office.id}:{b.booking_id}:{b.starts_at.isoformat()}"),
                occurred_at=b.starts_at + grace(office),
                office_id=office.id,
                correlation_id=booking_correlation(office.id, b.booking_id),
                producer=producer,
            ),
            booking_id=b.booking_id,
            business_date=day.business_date,
            counsellor_id=b.counsellor_id,
            starts_at=b.starts_at,
        )
        for b in sorted(day.bookings.values(), key=lambda b: (b.starts_at, b.booking_id))
        if b.status is Status.BOOKED and now >= b.starts_at + grace(office)
    ]


def time_changes(day: DayBook, before: datetime, now: datetime) -> bool:
    """Whether the time alone moved a booking between the lists since `before`: into the next hour, or
    past its start (late)."""
    return any(
        before < moment <= now
        for b in day.bookings.values()
        if b.status is Status.BOOKED
        for moment in (b.starts_at - NEXT_HOUR, b.starts_at)
    )


def _view(b: Booked, office: Office, state: OfficeQueue, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    counsellor = office.counsellor(b.counsellor_id)
    view: dict[str, Any] = {
        "booking_id": b.booking_id,
        "counsellor_id": b.counsellor_id,
        "counsellor": counsellor.name if counsellor else b.counsellor_id,
        "starts_at": b.starts_at.isoformat(),
        "time": f"{b.starts_at.astimezone(zone):%H:%M}",
        "duration_minutes": b.duration_minutes,
        "reason": b.reason.value,
        "status": b.status.value,
    }
    if b.status is Status.BOOKED and now > b.starts_at:
        view["late"] = True
    if b.status is Status.ARRIVED and b.visit_id is not None and b.arrived_at is not None:
        visit = state.visit(b.visit_id)
        view["visit_id"] = str(b.visit_id)
        view["ticket"] = state.tickets.get(b.visit_id)
        view["arrived_at"] = b.arrived_at.isoformat()  # a page reckons how long they have waited
        view["stage"] = visit.stage.value if visit is not None else "done"
    return view


def expected(
    day: DayBook, office: Office, state: OfficeQueue, now: datetime, zone: ZoneInfo = OSLO
) -> dict[str, list[dict[str, Any]]]:
    """The day's appointments as the screens show them: `next_hour` (booked, starting within the hour or
    late but not yet missed), `later` (the rest of the day), `arrived` and `missed`, each by start."""
    lists: dict[str, list[dict[str, Any]]] = {"next_hour": [], "later": [], "arrived": [], "missed": []}
    for b in sorted(day.bookings.values(), key=lambda b: (b.starts_at, b.booking_id)):
        if b.status is Status.BOOKED:
            part = "next_hour" if b.starts_at < now + NEXT_HOUR else "later"
        else:
            part = b.status.value
        lists[part].append(_view(b, office, state, now, zone))
    return lists
