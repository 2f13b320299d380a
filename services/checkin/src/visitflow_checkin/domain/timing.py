"""When a check-in happened: the time of the tap, so that a resent check-in is the same event.

A tablet's Idempotency-Key is a UUIDv7, which carries the real Unix time of the tap (DECISIONS §70).
That time, mapped onto the service's clock, is the check-in's time, when it is within ten minutes of
the real time now; otherwise (a key of another form, a tablet whose clock is off) it is the clock's now.
"""

from __future__ import annotations

from datetime import datetime

from visitflow_offices import Clock

TRUSTED_SKEW_S = 600.0


def check_in_time(clock: Clock, tapped_at: float | None, real_now: float) -> datetime:
    """`tapped_at` and `real_now` are real Unix times; the answer is on `clock`."""
    if tapped_at is not None and abs(tapped_at - real_now) <= TRUSTED_SKEW_S:
        return clock.at(tapped_at)
    return clock.now()
