"""Check-in's pure domain: the office policy."""

from .policy import Queue, Redirect, Refuse, Verdict, alternatives_for, judge

__all__ = ["Queue", "Redirect", "Refuse", "Verdict", "alternatives_for", "judge"]
