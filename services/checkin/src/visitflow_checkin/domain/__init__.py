"""Check-in's pure domain: the office policy, and when a check-in happened."""

from .policy import Queue, Redirect, Refuse, Verdict, alternatives_for, judge
from .timing import check_in_time

__all__ = ["Queue", "Redirect", "Refuse", "Verdict", "alternatives_for", "check_in_time", "judge"]
