"""Bookings as the booking system sends them (`BookingIn`): what each one changes, and which ones overlap;
and what the import answers of each (`BookingResult`).

A booking is upserted by its id: the import compares it with what it last recorded of the same booking
(`Recorded`) and says what happened to it. Each change is the booking's next version, and its event id
derives from the office, the booking and the version: a batch sent again after a failure half way makes
the same events, which every consumer applies once (they keep each booking by its id).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from visitflow_events import BOOKING_HORIZON_DAYS, Reason
from visitflow_events.ids import REFERENCE_PATTERN


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class Change(StrEnum):
    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Booking:
    """A booking as it now stands, checked against the office's configuration."""

    booking_id: str
    office_id: str
    counsellor_id: str
    starts_at: datetime
    duration_minutes: int
    reason: Reason
    status: BookingStatus
    business_date: date

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    def fingerprint(self) -> str:
        return "|".join(
            (
                self.counsellor_id,
                self.starts_at.isoformat(),
                str(self.duration_minutes),
                self.reason.value,
                self.status.value,
            )
        )


@dataclass(frozen=True)
class Recorded:
    """What the import last published of a booking: its version and what it said."""

    version: int
    fingerprint: str
    counsellor_id: str
    starts_at: datetime
    ends_at: datetime
    cancelled: bool


def change_of(booking: Booking, recorded: Recorded | None) -> Change:
    if recorded is not None and recorded.fingerprint == booking.fingerprint():
        return Change.UNCHANGED
    if booking.status is BookingStatus.CANCELLED:
        return Change.CANCELLED if recorded is None or not recorded.cancelled else Change.UNCHANGED
    return Change.BOOKED if recorded is None or recorded.cancelled else Change.RESCHEDULED


def overlapping(booking: Booking, others: Iterable[tuple[str, Recorded]]) -> list[str]:
    """The ids of the same counsellor's other live bookings whose time meets this one's (accepted, and
    flagged to whoever sent it): a counsellor may double-book on purpose, a group meeting say."""
    if booking.status is BookingStatus.CANCELLED:
        return []
    return sorted(
        booking_id
        for booking_id, other in others
        if booking_id != booking.booking_id
        and not other.cancelled
        and other.counsellor_id == booking.counsellor_id
        and other.starts_at < booking.ends_at
        and booking.starts_at < other.ends_at
    )


PAST_ALLOWED = timedelta(days=1)  # a booking the booking system is a little late with
MAX_BOOKINGS_PER_IMPORT = 100  # and a batch must fit VISITFLOW_MAX_BODY_BYTES (16 KiB: about 100)


class BookingIn(BaseModel):
    """One booking as the booking system sends it: ids from the office configuration, codes from closed
    sets, times and numbers. No name, identity number, phone number or free text has a place in it."""

    model_config = ConfigDict(
        extra="forbid", regex_engine="python-re", str_strip_whitespace=True, hide_input_in_errors=True
    )

    booking_id: str = Field(
        pattern=REFERENCE_PATTERN,
        description="The booking's reference, which the visitor shows at the office: 2 to 4 capital letters, "
        "a dash, 4 to 6 capital letters or digits with at most four digits in a row (TA-4K7Q).",
        examples=["TA-4K7Q"],
    )
    office_id: str = Field(max_length=40, description="one of the offices (`GET /api/offices`)")
    counsellor_id: str = Field(max_length=64, description="one of the office's counsellors (its policy)")
    starts_at: datetime = Field(
        description="When it starts: a date and time with a UTC offset, or without one on the office's "
        "clock (Europe/Oslo), read as a check-in's appointment time is. From a day ago to 90 days ahead.",
        examples=["2026-11-23T10:30:00+01:00", "2026-11-23T10:30"],
    )
    duration_minutes: int = Field(ge=5, le=240)
    reason: Reason = Reason.COUNSELLOR_APPOINTMENT
    status: BookingStatus = Field(
        BookingStatus.BOOKED, description="`cancelled` cancels the booking; sending it again changes nothing"
    )


class BookingResult(BaseModel):
    booking_id: str
    office_id: str
    change: Change = Field(description="what the import did: booked, rescheduled, cancelled or unchanged")
    overlaps: list[str] = Field(
        description="the same counsellor's other bookings whose time meets this one's: accepted, flagged"
    )


class ImportAnswer(BaseModel):
    results: list[BookingResult]


def within_horizon(starts_at: datetime, now: datetime) -> bool:
    """Whether a booking starting at `starts_at` may be imported: from a day ago to
    `BOOKING_HORIZON_DAYS` ahead."""
    try:
        return now - PAST_ALLOWED <= starts_at <= now + timedelta(days=BOOKING_HORIZON_DAYS)
    except OverflowError:  # a date at the edge of the calendar, which no offset can move
        return False
