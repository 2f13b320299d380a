"""Bookings on `visitflow.appointments.v1`, keyed by office: what the booking system says is due, and
what the queue decided of it (`AppointmentMissed`). A booking names no person: its id is the booking's
reference (the code the visitor shows), the counsellor a configured id, the reason a code of the fixed
taxonomy; no free text."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, Field

from .envelope import Event
from .ids import ConfiguredId, Reference
from .vocabulary import Reason

MAX_DURATION_MINUTES = 240
# a booking starts from a day ago to this many days ahead (the import refuses others; the topic keeps
# each booking until well after its day)
BOOKING_HORIZON_DAYS = 90


class AppointmentEvent(Event):
    booking_id: Reference = Field(description="the booking's reference, as `ids.REFERENCE_PATTERN` allows")
    business_date: date = Field(description="the office's day the appointment is on")


class ScheduledEvent(AppointmentEvent):
    """A booking as it now stands: who, when, how long, why."""

    counsellor_id: ConfiguredId
    starts_at: AwareDatetime
    duration_minutes: int = Field(ge=5, le=MAX_DURATION_MINUTES)
    reason: Reason


class AppointmentBooked(ScheduledEvent):
    type: Literal["AppointmentBooked"] = "AppointmentBooked"


class AppointmentRescheduled(ScheduledEvent):
    """The booking moved (another time, length, counsellor or reason); `business_date` is its new day."""

    type: Literal["AppointmentRescheduled"] = "AppointmentRescheduled"


class AppointmentCancelled(AppointmentEvent):
    type: Literal["AppointmentCancelled"] = "AppointmentCancelled"


class AppointmentMissed(AppointmentEvent):
    """Nobody checked in for the booking by its start plus the office's grace period (the queue decides)."""

    type: Literal["AppointmentMissed"] = "AppointmentMissed"
    counsellor_id: ConfiguredId
    starts_at: AwareDatetime
