"""The office's check-in policy, applied the same way every time: a pure function of office and time.

- Emergencies are always queued, even outside opening hours: a host checking someone in is there.
- Drop-in is queued only inside the office's drop-in windows; outside them the visitor is steered
  to an alternative (book an appointment, a public PC, nav.no, the contact centre).
- An appointment starts within the office's opening hours on a day it is open; one that does not is
  refused (`appointment_outside_hours`), whenever it is checked in.
- Appointments are queued from `early_minutes` before to `late_minutes` after their time, and only
  within the opening span the appointment lies in: never before the office opens, never once it has
  closed. Too early is refused with the time to come back (the opening, when the window would reach
  before it: the appointment line is called by appointment time, so a visitor who comes back at the
  opening keeps their place); too late is steered to a new appointment (or drop-in, when drop-in is open
  now).
- Anything else while the office is closed (night, weekend, holiday) is refused with the next opening.

Times are compared as instants and shown on the office's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from visitflow_events import Alternative, RedirectCause, VisitKind
from visitflow_offices import Office, OfficeHours, office_hours, opening_span


@dataclass(frozen=True)
class Queue:
    kind: VisitKind
    note: str | None = None


@dataclass(frozen=True)
class Redirect:
    cause: RedirectCause
    message: str
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class Refuse:
    code: str
    message: str
    retry_at: datetime | None = None


Verdict = Queue | Redirect | Refuse


def alternatives_for(office: Office) -> tuple[Alternative, ...]:
    pcs = (Alternative.SELF_SERVICE_PC,) if office.public_pcs else ()
    return (Alternative.BOOK_APPOINTMENT, *pcs, Alternative.SELF_SERVICE_ONLINE, Alternative.CONTACT_CENTRE)


def _at(moment: datetime | None) -> str:
    return f"{moment:%A %d %B at %H:%M}" if moment else "a later day"


def judge(
    office: Office, at: datetime, kind: VisitKind, appointment_at: datetime | None, zone: ZoneInfo
) -> Verdict:
    """The verdict on a check-in at the instant `at`; `zone` is the offices' time zone."""
    hours = office_hours(office, at, zone)
    if kind is VisitKind.EMERGENCY:
        return Queue(kind)
    if kind is VisitKind.APPOINTMENT:
        if appointment_at is None:
            return Refuse("appointment_time_missing", "An appointment check-in needs the appointment's time.")
        return _appointment(office, hours, appointment_at, zone)
    if not hours.is_open:
        return Refuse(
            "office_closed",
            f"{office.name} is closed now. It opens {_at(hours.next_opening)}.",
            retry_at=hours.next_opening,
        )
    if not hours.drop_in_open:
        spans = ", ".join(span.label() for span in hours.drop_in_today)
        today = f"Drop-in today: {spans}." if spans else "No drop-in today."
        return Redirect(
            RedirectCause.DROP_IN_CLOSED,
            f"Drop-in is closed now. {today} Next drop-in: {_at(hours.next_drop_in)}.",
            alternatives_for(office),
        )
    return Queue(kind)


def _appointment(office: Office, hours: OfficeHours, appointment_at: datetime, zone: ZoneInfo) -> Verdict:
    """Queued when the appointment starts within opening hours and the check-in is inside its window,
    within the opening span the appointment starts in."""
    span = opening_span(office, appointment_at, zone)
    if span is None:
        that_day = office_hours(office, appointment_at, zone).opening_today
        opening = f"open {', '.join(s.label() for s in that_day)}" if that_day else "closed"
        return Refuse(
            "appointment_outside_hours",
            f"Appointments at {office.name} start within its opening hours, and this one does not: on the "
            f"appointment's day the office is {opening}. The time is read on the office's clock.",
        )
    # as instants (UTC), so that "30 minutes early" is 30 minutes on a day the clocks change too
    starts, now = appointment_at.astimezone(UTC), hours.local_time.astimezone(UTC)
    span_opens, span_closes = (edge.astimezone(UTC) for edge in span)
    window = office.policy.appointment_checkin
    opens = max(starts - timedelta(minutes=window.early_minutes), span_opens)
    if now < opens:
        when = ", when the office opens" if opens == span_opens else ""
        return Refuse(
            "too_early",
            f"The appointment is at {starts.astimezone(zone):%H:%M}; "
            f"check-in opens at {opens.astimezone(zone):%H:%M}{when}.",
            retry_at=opens.astimezone(zone),
        )
    if now > starts + timedelta(minutes=window.late_minutes) or now >= span_closes:
        if hours.drop_in_open:
            return Queue(VisitKind.DROP_IN, note="The appointment was missed; queued as drop-in.")
        return Redirect(
            RedirectCause.APPOINTMENT_MISSED,
            "The appointment time has passed and drop-in is closed now. Book a new appointment.",
            alternatives_for(office),
        )
    return Queue(VisitKind.APPOINTMENT)
