"""What a check-in comes to: the event to publish, or the refusal with its code.

A pure function of the request, the office (its closed sets and its policy), the instant of the check-in
and the ids the service gave the visit, so a resend decides the same event. The order of the rules:
whatever the check-in names is one of the office's own and its appointment is near its time (else 422,
naming the field, never what was sent); a host's `redirect_to` is recorded whatever the policy says;
otherwise the policy (`judge`) queues, refuses or steers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from visitflow_events import (
    Appointment,
    RedirectCause,
    VisitorCheckedIn,
    VisitRedirected,
    new_envelope,
    visit_correlation,
)
from visitflow_offices import Office, business_date

from .check_in_request import CheckInRequest
from .policy import Redirect, Refuse, alternatives_for, judge
from .timing import appointment_start

APPOINTMENT_WITHIN = timedelta(days=1)
STEERED_BY_THE_HOST = "Steered by the host."


@dataclass(frozen=True)
class VisitIds:
    """The ids the service derived from the check-in's Idempotency-Key, and the service's name."""

    visit_id: UUID
    event_id: UUID
    producer: str


@dataclass(frozen=True)
class Admit:
    """Queue the visitor: publish `event`; `note` goes with the ticket."""

    event: VisitorCheckedIn
    note: str | None = None


@dataclass(frozen=True)
class Steer:
    """Recorded as steered to an alternative: publish `event`, answer `message`."""

    event: VisitRedirected
    message: str


@dataclass(frozen=True)
class Refusal:
    """Nothing recorded. 422: the request itself is wrong (answered before its key is claimed, or its
    Idempotency-Key was used for another request); 409: the policy does not queue it now, or the same
    request is still in flight (to be retried after `retry_after_s`); 403: a booking of an office the
    caller may not import for. `extra` goes into the answer beside the code and the message."""

    status: int
    code: str
    message: str
    extra: dict[str, Any] = field(default_factory=dict)
    retry_after_s: int | None = None


Decision = Admit | Steer | Refusal


def decide_check_in(
    request: CheckInRequest,
    office: Office,
    device_id: str | None,
    at: datetime,
    zone: ZoneInfo,
    ids: VisitIds,
) -> Decision:
    """The decision on `request` at `office`, checked in at the instant `at`; `zone` is the offices'."""
    appointment = request.appointment
    starts_at = appointment_start(appointment.starts_at, at, zone) if appointment else None
    unknown = _unknown(office, request, device_id, at, starts_at)
    if unknown is not None:
        return unknown
    verdict = judge(office, at, request.kind, starts_at, zone)
    envelope: dict[str, Any] = {
        **new_envelope(
            event_id=ids.event_id,
            occurred_at=at,
            office_id=office.id,
            correlation_id=visit_correlation(ids.visit_id),
            producer=ids.producer,
        ),
        "visit_id": ids.visit_id,
        "business_date": business_date(at, zone),
        "reason": request.reason,
    }
    if request.redirect_to is not None:
        cause, message = (
            (verdict.cause, verdict.message)
            if isinstance(verdict, Redirect)
            else (RedirectCause.HOST_CHOICE, STEERED_BY_THE_HOST)
        )
        steered = VisitRedirected(**envelope, kind=request.kind, alternative=request.redirect_to, cause=cause)
        return Steer(steered, message)
    if isinstance(verdict, Redirect):
        return Refusal(
            409,
            verdict.cause.value,
            verdict.message,
            {"alternatives": [a.value for a in verdict.alternatives]},
        )
    if isinstance(verdict, Refuse):
        extra: dict[str, Any] = {"retry_at": verdict.retry_at.isoformat()} if verdict.retry_at else {}
        if verdict.code == "office_closed":
            extra["alternatives"] = [a.value for a in alternatives_for(office)]
        return Refusal(409, verdict.code, verdict.message, extra)
    line = office.line(request.line_id) if request.line_id else office.line_for(verdict.kind, request.reason)
    assert line is not None  # a named line is one of the office's (`_unknown`)
    event = VisitorCheckedIn(
        **envelope,
        kind=verdict.kind,
        line_id=line.id,
        needs=request.needs,
        sms_opt_in=request.sms is not None,
        device_id=device_id,
        appointment=(
            Appointment(**appointment.model_dump() | {"starts_at": starts_at}) if appointment else None
        ),
    )
    return Admit(event, verdict.note)


def _unknown(
    office: Office, request: CheckInRequest, device_id: str | None, at: datetime, starts_at: datetime | None
) -> Refusal | None:
    """Whatever a check-in names is one of the office's own (DESIGN, principle 5), and its appointment is
    near its time. The refusal names the field, never what was sent."""
    counsellor_id = request.appointment.counsellor_id if request.appointment else None
    if device_id is not None and office.device(device_id) is None:
        return Refusal(422, "unknown_device", f"X-Device-Id names no device of {office.name}.")
    if counsellor_id is not None and office.counsellor(counsellor_id) is None:
        return Refusal(
            422, "unknown_counsellor", f"appointment.counsellor_id names no counsellor of {office.name}."
        )
    if request.line_id is not None and office.line(request.line_id) is None:
        return Refusal(422, "unknown_line", f"line_id names no line of {office.name}.")
    if starts_at is not None and abs(starts_at - at) > APPOINTMENT_WITHIN:
        return Refusal(
            422, "appointment_out_of_range", "appointment.starts_at must be within a day of the check-in."
        )
    return None
