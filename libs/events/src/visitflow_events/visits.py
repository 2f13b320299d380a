"""Visit lifecycle events on `visitflow.visits.v1`. No names, identity numbers or phone numbers."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from .envelope import Event
from .ids import ConfiguredId, Reference
from .vocabulary import (
    Alternative,
    CancelCause,
    Outcome,
    Reason,
    RedirectCause,
    VisitKind,
    VisitStage,
)
from .waits import OfficeWaits, WaitEstimate, said_bounds_s

TICKET_PATTERN = r"^[A-Z]{1,3}-\d{3,4}$"
UP_NEXT_MAX = 10  # the most visits a call names as next in line; an office's "nearly your turn" is within it


class Needs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)

    interpreter: bool = False
    accessibility: bool = False
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")


class Appointment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)

    reference: Reference = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")
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
    estimated_low_s: int | None = Field(
        default=None,
        ge=0,
        description="the low end of the wait's likely range (with `estimated_high_s`, what the screens "
        "say with the figure); none when the visitor was called in the batch that queued them",
    )
    estimated_high_s: int | None = Field(default=None, ge=0, description="the high end of that range")
    waits: OfficeWaits | None = Field(
        default=None,
        description="the office's estimates after the batch this queueing ended, when the batch changed "
        "them: then no `WaitsEstimated` follows (one record fewer on the topic per check-in)",
    )

    def said_bounds(self) -> tuple[int, int] | None:
        """The waits, in seconds, for which what the visitor was told held (`said_bounds_s`); None when
        the event carries no range."""
        low, high = self.estimated_low_s, self.estimated_high_s
        return None if low is None or high is None else said_bounds_s(self.estimated_wait_s, low, high)


class VisitorCalled(TicketedEvent):
    type: Literal["VisitorCalled"] = "VisitorCalled"
    line_id: ConfiguredId
    room_id: ConfiguredId
    call_number: int = Field(ge=1, description="1 for the first call, more for each recall")
    up_next: tuple[UUID, ...] = Field(
        default=(),
        max_length=UP_NEXT_MAX,
        description="the visits now first in the office's call order, in order, as many as the office's "
        "sms_nearly_position",
    )
    up_next_waits: tuple[WaitEstimate, ...] = Field(
        default=(),
        max_length=UP_NEXT_MAX,
        description="the wait estimate of each of `up_next`, after this call",
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


class VisitHeld(TicketedEvent):
    """The visitor stepped out (to fetch a document): they keep their place in line and are not called
    until they are back (`VisitReturned`)."""

    type: Literal["VisitHeld"] = "VisitHeld"
    line_id: ConfiguredId
    stage: VisitStage = Field(description="where they were: waiting, or called (they left the room's call)")


class VisitReturned(TicketedEvent):
    """A visitor on hold is back in line, at their own place."""

    type: Literal["VisitReturned"] = "VisitReturned"
    line_id: ConfiguredId


RemovalType = Literal["ServiceCompleted", "VisitorNoShow", "VisitCancelled", "VisitTransferred"]
"""The acts that take a visit off its list, and which a host may undo for a little while."""


class VisitRestored(TicketedEvent):
    """A removal undone: the visit is back where it was before `undone_event_id`, as this event says."""

    type: Literal["VisitRestored"] = "VisitRestored"
    undone: RemovalType
    undone_event_id: UUID
    stage: VisitStage
    line_id: ConfiguredId
    room_id: ConfiguredId | None = None
    counsellor_id: ConfiguredId | None = None
    calls: int = Field(default=0, ge=0)
    held: bool = False


class VisitClosedAtDayEnd(TicketedEvent):
    """An open visit nobody was serving, closed by the day's end. An emergency is never closed so: it is
    carried over (`VisitCarriedOver`). Records from before that rule may hold `needs_follow_up`, which
    nothing reads and decoding leaves out."""

    type: Literal["VisitClosedAtDayEnd"] = "VisitClosedAtDayEnd"
    kind: VisitKind
    stage: VisitStage


class VisitCarriedOver(TicketedEvent):
    """An emergency still unserved at the day's end, carried to the office's follow-up list, where it stays
    across days until a host resolves it (`FollowUpResolved`). `business_date` is the day it came."""

    type: Literal["VisitCarriedOver"] = "VisitCarriedOver"
    kind: VisitKind
    stage: VisitStage
    line_id: ConfiguredId
    checked_in_at: AwareDatetime


class FollowUpResolved(TicketedEvent):
    """A carried-over visit followed up; `business_date` is the day the visit came, as it was carried."""

    type: Literal["FollowUpResolved"] = "FollowUpResolved"


class OfficeDayClosed(Event):
    """The day's end and what it did: `closed_visits` closed unserved, `completed_visits` completed in
    conversation (as served), `carried_over_visits` carried to the follow-up list. Records from before the
    last two counts were added read them as 0."""

    type: Literal["OfficeDayClosed"] = "OfficeDayClosed"
    business_date: date
    closed_visits: int = Field(ge=0)
    completed_visits: int = Field(default=0, ge=0)
    carried_over_visits: int = Field(default=0, ge=0)


class RoomClosed(Event):
    """A room is out of service until opened again, or until the day ends (every room opens with the
    day). A visitor in it finishes their conversation. `until`: when the host expects it back (the wait
    estimates do; it is not opened by itself); none, until further notice (so are records without it)."""

    type: Literal["RoomClosed"] = "RoomClosed"
    business_date: date
    room_id: ConfiguredId
    until: AwareDatetime | None = None


class RoomOpened(Event):
    type: Literal["RoomOpened"] = "RoomOpened"
    business_date: date
    room_id: ConfiguredId


class CommandRejected(Event):
    """A host command that could not be carried out (nobody waiting, unknown ticket, ...)."""

    type: Literal["CommandRejected"] = "CommandRejected"
    command_id: UUID
    command_type: str
    code: str
    detail: str
