"""Check-in's pure domain: the office policy, when a check-in happened and when its appointment starts."""

from .policy import Queue, Redirect, Refuse, Verdict, alternatives_for, judge
from .timing import appointment_start, check_in_time

__all__ = [
    "Queue",
    "Redirect",
    "Refuse",
    "Verdict",
    "alternatives_for",
    "appointment_start",
    "check_in_time",
    "judge",
]
