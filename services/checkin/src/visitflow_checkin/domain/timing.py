"""When a check-in happened: the time of the tap, so that a resent check-in is the same event; and when
its appointment starts, read on the office's clock.

A tablet's Idempotency-Key is a UUIDv7, which carries the real Unix time of the tap
(docs/decisions/check-in-time-is-the-tap.md).
That time, mapped onto the service's clock, is the check-in's time, when it is within ten minutes of
the real time now; otherwise (a key of another form, a tablet whose clock is off) it is the clock's now.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from visitflow_offices import Clock, business_date, local_instant

TRUSTED_SKEW_S = 600.0


def check_in_time(clock: Clock, tapped_at: float | None, real_now: float) -> datetime:
    """`tapped_at` and `real_now` are real Unix times; the answer is on `clock`."""
    if tapped_at is not None and abs(tapped_at - real_now) <= TRUSTED_SKEW_S:
        return clock.at(tapped_at)
    return clock.now()


def appointment_start(given: datetime | time, checked_in_at: datetime, zone: ZoneInfo) -> datetime:
    """The instant an appointment starts. A time without an offset is the office's wall-clock time, in
    `zone` whatever zone the device that sent it is set to: a time of day on the check-in's own date
    there, a date and time as it says (`local_instant` reads the hours around a change of the clocks).
    A date and time with an offset is the instant it names, as given."""
    if isinstance(given, time):
        given = datetime.combine(business_date(checked_in_at, zone), given)
    return given if given.tzinfo is not None else local_instant(given, zone)
