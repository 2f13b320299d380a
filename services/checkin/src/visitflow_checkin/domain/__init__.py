"""Check-in's pure domain: a check-in as the tablet asks for it, what it comes to and what it answers,
the office policy, when a check-in happened and when its appointment starts, the visitor's link, and
what an imported booking changes."""

from .answers import Accepted, Queued, Redirected
from .bookings import (
    MAX_BOOKINGS_PER_IMPORT,
    Booking,
    BookingIn,
    BookingResult,
    BookingStatus,
    Change,
    ImportAnswer,
    Recorded,
    change_of,
    overlapping,
    within_horizon,
)
from .check_in_request import AppointmentIn, CheckInRequest, SmsOptIn
from .checkin import Admit, Decision, Refusal, Steer, VisitIds, decide_check_in
from .policy import Queue, Redirect, Refuse, Verdict, alternatives_for, judge
from .timing import appointment_start, check_in_time
from .visit_link import VisitLinkOut, link_url, visit_link

__all__ = [
    "MAX_BOOKINGS_PER_IMPORT",
    "Accepted",
    "Admit",
    "AppointmentIn",
    "Booking",
    "BookingIn",
    "BookingResult",
    "BookingStatus",
    "Change",
    "CheckInRequest",
    "Decision",
    "ImportAnswer",
    "Queue",
    "Queued",
    "Recorded",
    "Redirect",
    "Redirected",
    "Refusal",
    "Refuse",
    "SmsOptIn",
    "Steer",
    "Verdict",
    "VisitIds",
    "VisitLinkOut",
    "alternatives_for",
    "appointment_start",
    "change_of",
    "check_in_time",
    "decide_check_in",
    "judge",
    "link_url",
    "overlapping",
    "visit_link",
    "within_horizon",
]
