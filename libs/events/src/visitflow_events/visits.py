"""Visit lifecycle events on `visitflow.visits.v1`. No names, identity numbers or phone numbers."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from .envelope import Event
from .ids import ConfiguredId
from .vocabulary import (
    Alternative,
    CancelCause,
    Outcome,
    Reason,
    RedirectCause,
    VisitKind,
    VisitStage,
)

TICKET_PATTERN = r"^[A-Z]{1,3}-\d{3,4}$"


class Needs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)

    interpreter: bool = False
    accessibility: bool = False
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")


class Appointment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)

    reference: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")
    starts_at: AwareDatetime
    counsellor_id: ConfiguredId | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")


class VisitEvent(Event):
    visit_id: UUID
    business_date: date


class VisitorCheckedIn(VisitEvent):
    type: Literal["VisitorCheckedIn"] = "VisitorCheckedIn"
    kind: VisitKind
    reason: Reason
    line_id: ConfiguredId
    appointment: Appointment | None = None
    needs: Needs = Needs()
    sms_opt_in: bool = False
    device_id: ConfiguredId | None = None


class VisitRedirected(VisitEvent):
    type: Literal["VisitRedirected"] = "VisitRedirected"
    kind: VisitKind
    reason: Reason
    alternative: Alternative
    cause: RedirectCause


class TicketedEvent(VisitEvent):
    ticket: str = Field(pattern=TICKET_PATTERN)


class VisitorQueued(TicketedEvent):
    """The queue accepted a checked-in visitor and gave them a ticket."""

    type: Literal["VisitorQueued"] = "VisitorQueued"
    kind: VisitKind
    reason: Reason
    line_id: ConfiguredId
    checked_in_at: AwareDatetime
    appointment_at: AwareDatetime | None = None
    counsellor_id: ConfiguredId | None = None
    needs: Needs = Needs()
    position: int = Field(ge=1)
    estimated_wait_s: int = Field(ge=0)


class VisitorCalled(TicketedEvent):
    type: Literal["VisitorCalled"] = "VisitorCalled"
    line_id: ConfiguredId
    room_id: ConfiguredId
    call_number: int = Field(ge=1, description="1 for the first call, more for each recall")
    up_next: tuple[UUID, ...] = Field(
        default=(), max_length=10, description="the visits now first in the office's call order, in order"
    )


class ServiceStarted(TicketedEvent):
    type: Literal["ServiceStarted"] = "ServiceStarted"
    room_id: ConfiguredId


class ServiceCompleted(TicketedEvent):
    type: Literal["ServiceCompleted"] = "ServiceCompleted"
    room_id: ConfiguredId | None = None
    outcome: Outcome


class VisitorNoShow(TicketedEvent):
    type: Literal["VisitorNoShow"] = "VisitorNoShow"
    calls: int = Field(ge=0)


class VisitTransferred(TicketedEvent):
    type: Literal["VisitTransferred"] = "VisitTransferred"
    from_line_id: ConfiguredId
    to_line_id: ConfiguredId
    counsellor_id: ConfiguredId | None = None


class VisitCancelled(TicketedEvent):
    type: Literal["VisitCancelled"] = "VisitCancelled"
    cause: CancelCause


class VisitClosedAtDayEnd(TicketedEvent):
    """An open visit closed by the day rollover. Emergencies are flagged for follow-up, never dropped."""

    type: Literal["VisitClosedAtDayEnd"] = "VisitClosedAtDayEnd"
    kind: VisitKind
    stage: VisitStage
    needs_follow_up: bool


class OfficeDayClosed(Event):
    type: Literal["OfficeDayClosed"] = "OfficeDayClosed"
    business_date: date
    closed_visits: int = Field(ge=0)


class CommandRejected(Event):
    """A host command that could not be carried out (nobody waiting, unknown ticket, ...)."""

    type: Literal["CommandRejected"] = "CommandRejected"
    command_id: UUID
    command_type: str
    code: str
    detail: str
