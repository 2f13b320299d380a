"""Check-in's pure domain: the office policy, when a check-in happened and when its appointment starts,
and what an imported booking changes."""

from .bookings import Booking, BookingStatus, Change, Recorded, change_of, overlapping
from .policy import Queue, Redirect, Refuse, Verdict, alternatives_for, judge
from .timing import appointment_start, check_in_time

__all__ = [
    "Booking",
    "BookingStatus",
    "Change",
    "Queue",
    "Recorded",
    "Redirect",
    "Refuse",
    "Verdict",
    "alternatives_for",
    "appointment_start",
    "change_of",
    "check_in_time",
    "judge",
    "overlapping",
]
