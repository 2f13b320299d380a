"""Which of an office's flat day counters one visit event moves. Pure; `day.apply` decides whether the
event is new for its visit and adds the increments once."""

from __future__ import annotations

from visitflow_events import (
    AppointmentMissed,
    Event,
    ServiceCompleted,
    VisitCancelled,
    VisitCarriedOver,
    VisitClosedAtDayEnd,
    VisitKind,
    VisitorCalled,
    VisitorCheckedIn,
    VisitorNoShow,
    VisitorQueued,
    VisitRedirected,
)

from .outcomes import completed_as, redirected_to


def _arrival(event: VisitorCheckedIn | VisitRedirected) -> dict[str, int]:
    counts = {"arrivals": 1, f"kind:{event.kind.value}": 1, f"reason:{event.reason.value}": 1}
    if event.kind is VisitKind.DROP_IN:
        counts |= {"drop_ins": 1, f"drop_in_reason:{event.reason.value}": 1}
    return counts


def kept_by(counsellor_id: str) -> str:
    """The flat counter of a counsellor's appointments checked in for."""
    return f"appointment_kept:{counsellor_id}"


def missed_by(counsellor_id: str) -> str:
    """The flat counter of a counsellor's appointments nobody came for (`AppointmentMissed`)."""
    return f"appointment_missed:{counsellor_id}"


def _kept(event: VisitorCheckedIn) -> dict[str, int]:
    """An appointment with its counsellor, checked in for: one kept, for the missed-appointment rate."""
    appointment = event.appointment
    if event.kind is not VisitKind.APPOINTMENT or appointment is None or appointment.counsellor_id is None:
        return {}
    return {"appointments_kept": 1, kept_by(appointment.counsellor_id): 1}


def counter_increments(event: Event) -> dict[str, int]:
    match event:
        case VisitorCheckedIn():
            return _arrival(event) | _kept(event)
        case AppointmentMissed():
            return {"appointments_missed": 1, missed_by(event.counsellor_id): 1}
        case VisitRedirected():
            return _arrival(event) | {"redirected": 1, redirected_to(event.alternative): 1}
        case VisitorQueued():
            return {"queued": 1, f"line:{event.line_id}": 1}
        case VisitorCalled() if event.call_number == 1:
            return {"called": 1}
        case ServiceCompleted():
            return {"completed": 1, completed_as(event.outcome): 1}
        case VisitorNoShow():
            return {"no_shows": 1}
        case VisitCancelled():
            return {"cancelled": 1}
        case VisitClosedAtDayEnd():
            return {"closed_at_day_end": 1}
        case VisitCarriedOver():
            return {"carried_over": 1}
    return {}
