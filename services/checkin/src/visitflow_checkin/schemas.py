"""The check-in API's request and answer bodies."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from visitflow_events import Alternative, Needs, Reason, RedirectCause, VisitKind
from visitflow_events.ids import REFERENCE_PATTERN

from .domain import BookingStatus, Change

PHONE_PATTERN = r"^\+?[0-9 ]{8,16}$"
# When an appointment starts: a time of day or a date and time on the office's clock, or a date and time
# with its UTC offset.
APPOINTMENT_TIME_PATTERN = (
    r"^(?:[0-9]{2}:[0-9]{2}(?::[0-9]{2})?"
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?)$"
)
_APPOINTMENT_TIME = re.compile(APPOINTMENT_TIME_PATTERN)


def _appointment_time(value: object) -> datetime | time:
    """A time of day (no date, no offset), or a date and time with or without an offset. The error
    describes the form, never the value."""
    if isinstance(value, str) and _APPOINTMENT_TIME.fullmatch(value):
        try:
            return datetime.fromisoformat(value) if "T" in value else time.fromisoformat(value)
        except ValueError:
            pass  # the right form, but no such date or time (30 February, 24:00)
    raise ValueError(
        "must be HH:MM or YYYY-MM-DDTHH:MM (the office's time), or a date and time with an offset"
    )


AppointmentTime = Annotated[
    datetime | time,
    BeforeValidator(_appointment_time),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": APPOINTMENT_TIME_PATTERN,
            "examples": ["15:40", "2026-11-23T15:40", "2026-11-23T15:40:00+01:00"],
        }
    ),
]


class AppointmentIn(BaseModel):
    # python-re: the reference's pattern looks ahead, which the default engine cannot; and since
    # Python's `$` also matches before a final newline, surrounding whitespace is stripped first
    model_config = ConfigDict(extra="forbid", regex_engine="python-re", str_strip_whitespace=True)

    reference: str = Field(
        pattern=REFERENCE_PATTERN,
        description="The booking's reference: 2 to 4 capital letters, a dash, then 4 to 6 capital letters "
        "or digits with at most four digits in a row (TA-4K7Q, NAV-2025X).",
        examples=["TA-4K7Q"],
    )
    starts_at: AppointmentTime = Field(
        description="When the appointment starts, as the booking says, on the office's clock (the time zone "
        "of the office configuration, Europe/Oslo), whatever the device's own zone: `HH:MM` is that time on "
        "the day of the check-in (`15:40`), `YYYY-MM-DDTHH:MM` that time on that date (`2026-11-23T15:40`; "
        "seconds may follow). On the days the clocks change, a time shown twice is its first occurrence and "
        "a skipped time is read with the offset before the change, as iCalendar does (RFC 5545). A date and "
        "time with a UTC offset (`2026-11-23T15:40:00+01:00`, `2026-11-23T14:40:00Z`) is the instant it "
        "names. It must be within a day of the check-in (else 422 `appointment_out_of_range`) and within "
        "the office's opening hours on an open day (else 409 `appointment_outside_hours`)."
    )
    counsellor_id: str | None = Field(
        default=None, max_length=64, description="one of the office's counsellors (the policy lists them)"
    )


class SmsOptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(pattern=PHONE_PATTERN, description="kept only until the end of the day; never logged")


class CheckInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: VisitKind
    reason: Reason
    appointment: AppointmentIn | None = None
    needs: Needs = Needs()
    sms: SmsOptIn | None = None
    redirect_to: Alternative | None = Field(
        default=None, description="steer the visitor here instead of queueing (host's choice)"
    )
    line_id: str | None = Field(default=None, max_length=32, description="one of the office's lines")


class VisitLinkOut(BaseModel):
    url: str = Field(description="the visitor's own page; works until the visit ends or the day closes")


class Queued(BaseModel):
    outcome: Literal["queued"] = "queued"
    visit_id: UUID
    office_id: str
    ticket: str
    line_id: str
    position: int
    estimated_wait_s: int = Field(description="the queue's estimate of the wait until called")
    low_s: int | None = Field(default=None, description="the estimate's range: likely no shorter")
    high_s: int | None = Field(default=None, description="the estimate's range: likely no longer")
    minutes: int | None = Field(default=None, description="the estimate as screens say it: about so many")
    minutes_to: int | None = Field(default=None, description="or a range, from `minutes` to this")
    no_room: bool = Field(default=False, description="every room is out of service: no wait can be said")
    note: str | None = None
    visit_link: VisitLinkOut | None = None


class Accepted(BaseModel):
    outcome: Literal["accepted"] = "accepted"
    visit_id: UUID
    office_id: str
    message: str
    status_url: str
    visit_link: VisitLinkOut | None = None


class Redirected(BaseModel):
    outcome: Literal["redirected"] = "redirected"
    visit_id: UUID
    office_id: str
    cause: RedirectCause
    alternative: Alternative
    message: str


class PolicyHints(BaseModel):
    office_id: str
    name: str
    local_time: str
    is_open: bool
    drop_in_open: bool
    opening_today: list[str]
    drop_in_today: list[str]
    next_opening: str | None
    next_drop_in: str | None
    emergency_always_allowed: bool = True
    appointment_checkin: dict[str, int]
    alternatives: list[Alternative]
    reasons: list[Reason]
    lines: list[dict[str, str]]
    rooms: list[dict[str, str]]
    counsellors: list[dict[str, str]]
    reference_pattern: str = Field(
        REFERENCE_PATTERN, description="what an appointment's reference looks like"
    )


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


class BookingBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bookings: list[BookingIn] = Field(min_length=1, max_length=MAX_BOOKINGS_PER_IMPORT)


class BookingResult(BaseModel):
    booking_id: str
    office_id: str
    change: Change = Field(description="what the import did: booked, rescheduled, cancelled or unchanged")
    overlaps: list[str] = Field(
        description="the same counsellor's other bookings whose time meets this one's: accepted, flagged"
    )


class ImportAnswer(BaseModel):
    results: list[BookingResult]
