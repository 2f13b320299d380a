"""The booking import: the booking system's bookings (the API reads them from JSON or a CSV file) onto
`visitflow.appointments.v1` (docs/decisions/booking-import.md).

A batch is checked whole before anything is published: a booking naming an unknown office or counsellor
refuses the batch (a `Refusal`: 422 naming the field, never its value; 403 for another office's) and
nothing is published. Then each
booking is compared with what the import recorded of it (`ports.BookingRecords`), the changes are published
together and only then recorded. An import that fails half way (Kafka or Redis away: 503) is sent again
as it was: it makes the same events with the same ids, which the consumers apply once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from visitflow_events import (
    BOOKING_HORIZON_DAYS,
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentEvent,
    AppointmentRescheduled,
    booking_correlation,
    new_envelope,
)
from visitflow_offices import Clock, OfficeDirectory, business_date, local_instant
from visitflow_platform.access import Action, roles_for
from visitflow_platform.auth import Principal, allows
from visitflow_platform.ids import stable_id

from ..domain import (
    Booking,
    BookingIn,
    BookingResult,
    BookingStatus,
    Change,
    ImportAnswer,
    Recorded,
    Refusal,
    change_of,
    overlapping,
    within_horizon,
)
from .ports import BookingRecords, Publisher


@dataclass(frozen=True)
class BookingImport:
    """Imports a batch of bookings onto `topic`, counting each booking by what it changed."""

    offices: OfficeDirectory
    clock: Clock
    publisher: Publisher
    index: BookingRecords
    topic: str
    producer: str
    counted: Callable[[str], None]

    async def upsert(self, bookings: Sequence[BookingIn], who: Principal) -> ImportAnswer | Refusal:
        now = self.clock.now()
        checked: list[Booking] = []
        for i, given in enumerate(bookings):
            booking = _checked(i, given, self.offices, who, now)
            if isinstance(booking, Refusal):
                return booking
            checked.append(booking)
        if (repeated := _repeated(checked)) is not None:
            return repeated
        results: list[BookingResult] = []
        for office_id in dict.fromkeys(b.office_id for b in checked):
            ours = [b for b in checked if b.office_id == office_id]
            known = await self.index.load(office_id)
            events, changed = [], {}
            for booking in ours:
                prior = known.get(booking.booking_id)
                change = change_of(booking, prior)
                if change is not Change.UNCHANGED:
                    version = (prior.version if prior else 0) + 1
                    events.append(_event(booking, change, version, now, self.producer))
                    changed[booking.booking_id] = known[booking.booking_id] = Recorded(
                        version=version,
                        fingerprint=booking.fingerprint(),
                        counsellor_id=booking.counsellor_id,
                        starts_at=booking.starts_at,
                        ends_at=booking.ends_at,
                        cancelled=booking.status is BookingStatus.CANCELLED,
                    )
                results.append(
                    BookingResult(
                        booking_id=booking.booking_id,
                        office_id=office_id,
                        change=change,
                        overlaps=overlapping(booking, known.items()),
                    )
                )
            if events:
                await self.publisher.publish_all(self.topic, events)
                await self.index.record(office_id, changed, known, now)
        for result in results:
            self.counted(result.change.value)
        return ImportAnswer(results=results)


def _checked(
    i: int, given: BookingIn, offices: OfficeDirectory, who: Principal, now: datetime
) -> Booking | Refusal:
    """The booking, its office and counsellor known and its office the caller's; its time near enough."""
    where = f"bookings[{i}]"
    office = offices.office(given.office_id)
    if office is None:
        return Refusal(
            422, "unknown_office", f"{where}.office_id names no office.", {"field": f"{where}.office_id"}
        )
    if not allows(who, roles_for(Action.IMPORT_BOOKINGS), office.id, lambda _: None):
        return Refusal(403, "forbidden", f"This access token does not allow {where}'s office.")
    if office.counsellor(given.counsellor_id) is None:
        return Refusal(
            422,
            "unknown_counsellor",
            f"{where}.counsellor_id names no counsellor of {office.name}.",
            {"field": f"{where}.counsellor_id"},
        )
    zone = offices.timezone
    try:
        starts_at = given.starts_at if given.starts_at.tzinfo else local_instant(given.starts_at, zone)
    except OverflowError:  # a date at the edge of the calendar, which no offset can move
        starts_at = None
    if starts_at is None or not within_horizon(starts_at, now):
        return Refusal(
            422,
            "starts_at_out_of_range",
            f"{where}.starts_at must be from a day ago to {BOOKING_HORIZON_DAYS} days ahead.",
            {"field": f"{where}.starts_at"},
        )
    return Booking(
        booking_id=given.booking_id,
        office_id=office.id,
        counsellor_id=given.counsellor_id,
        starts_at=starts_at,
        duration_minutes=given.duration_minutes,
        reason=given.reason,
        status=given.status,
        business_date=business_date(starts_at, zone),
    )


def _repeated(bookings: list[Booking]) -> Refusal | None:
    seen: set[tuple[str, str]] = set()
    for i, booking in enumerate(bookings):
        if (booking.office_id, booking.booking_id) in seen:
            return Refusal(
                422,
                "repeated_booking",
                f"bookings[{i}].booking_id is in the batch twice: send each booking once.",
                {"field": f"bookings[{i}].booking_id"},
            )
        seen.add((booking.office_id, booking.booking_id))
    return None


def _event(booking: Booking, change: Change, version: int, now: datetime, producer: str) -> AppointmentEvent:
    envelope: dict[str, Any] = {
        **new_envelope(
            event_id=stable_id("booking", booking.office_id, booking.booking_id, str(version)),
            occurred_at=now,
            office_id=booking.office_id,
            correlation_id=booking_correlation(booking.office_id, booking.booking_id),
            producer=producer,
        ),
        "booking_id": booking.booking_id,
        "business_date": booking.business_date,
    }
    if change is Change.CANCELLED:
        return AppointmentCancelled(**envelope)
    model = AppointmentBooked if change is Change.BOOKED else AppointmentRescheduled
    return model(
        **envelope,
        counsellor_id=booking.counsellor_id,
        starts_at=booking.starts_at,
        duration_minutes=booking.duration_minutes,
        reason=booking.reason,
    )
