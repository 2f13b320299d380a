"""Bookings as the booking system sends them: what each one changes, and which ones overlap.

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

from visitflow_events import Reason


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
