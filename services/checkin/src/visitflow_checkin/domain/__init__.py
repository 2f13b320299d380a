"""Check-in's pure domain: what a check-in comes to, the office policy, when a check-in happened and
when its appointment starts, and what an imported booking changes."""

from .bookings import Booking, BookingStatus, Change, Recorded, change_of, overlapping
from .checkin import Admit, Decision, Refusal, Steer, VisitIds, decide_check_in
from .policy import Queue, Redirect, Refuse, Verdict, alternatives_for, judge
from .timing import appointment_start, check_in_time

__all__ = [
    "Admit",
    "Booking",
    "BookingStatus",
    "Change",
    "Decision",
    "Queue",
    "Recorded",
    "Redirect",
    "Refusal",
    "Refuse",
    "Steer",
    "Verdict",
    "VisitIds",
    "alternatives_for",
    "appointment_start",
    "change_of",
    "check_in_time",
    "decide_check_in",
    "judge",
    "overlapping",
]
