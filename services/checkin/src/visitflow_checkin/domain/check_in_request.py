"""A check-in as the tablet asks for it: the visit's kind and reason, an appointment (its reference and
when it starts, on the office's clock), needs, an SMS opt-in, the host's steer and the line.

`decide_check_in` decides from it; the API takes it as the request's body (its JSON schema is the
OpenAPI document's)."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from visitflow_events import Alternative, Needs, Reason, VisitKind
from visitflow_events.ids import REFERENCE_PATTERN

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
