"""The office's check-in policy, applied the same way every time: a pure function of office and time.

- Emergencies are always queued, even outside opening hours: a host checking someone in is there.
- Drop-in is queued only inside the office's drop-in windows; outside them the visitor is steered
  to an alternative (book an appointment, a public PC, nav.no, the contact centre).
- Appointments are queued from `early_minutes` before to `late_minutes` after their time; too early
  is refused with the time to come back, too late is steered to a new appointment (or drop-in, when
  drop-in is open now).
- Anything else while the office is closed (night, weekend, holiday) is refused with the next opening.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from visitflow_events import Alternative, RedirectCause, VisitKind
from visitflow_offices import Office, OfficeHours

CONTACT_CENTRE_PHONE = "55 55 33 33"


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


def judge(office: Office, hours: OfficeHours, kind: VisitKind, appointment_at: datetime | None) -> Verdict:
    if kind is VisitKind.EMERGENCY:
        return Queue(kind)
    if kind is VisitKind.APPOINTMENT:
        if appointment_at is None:
            return Refuse("appointment_time_missing", "An appointment check-in needs the appointment's time.")
        window = office.policy.appointment_checkin
        opens = appointment_at - timedelta(minutes=window.early_minutes)
        closes = appointment_at + timedelta(minutes=window.late_minutes)
        now = hours.local_time
        if now < opens:
            return Refuse(
                "too_early",
                f"The appointment is at {appointment_at.astimezone(now.tzinfo):%H:%M}; "
                f"check-in opens at {opens.astimezone(now.tzinfo):%H:%M}.",
                retry_at=opens,
            )
        if now > closes:
            if hours.drop_in_open:
                return Queue(VisitKind.DROP_IN, note="The appointment was missed; queued as drop-in.")
            return Redirect(
                RedirectCause.APPOINTMENT_MISSED,
                "The appointment time has passed and drop-in is closed now. Book a new appointment.",
                alternatives_for(office),
            )
        return Queue(kind)
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
