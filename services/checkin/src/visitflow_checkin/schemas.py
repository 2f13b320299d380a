"""The check-in API's request and answer bodies."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from visitflow_events import Alternative, Needs, Reason, RedirectCause, VisitKind

PHONE_PATTERN = r"^\+?[0-9 ]{8,16}$"


class AppointmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")
    starts_at: AwareDatetime
    counsellor_id: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")


class SmsOptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(pattern=PHONE_PATTERN, description="kept only until the end of the day; never logged")


class CheckInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: VisitKind
    reason: Reason
    appointment: AppointmentIn | None = None
    needs: Needs = Needs()
    sms: SmsOptIn | None = None
    redirect_to: Alternative | None = Field(
        default=None, description="steer the visitor here instead of queueing (host's choice)"
    )
    line_id: str | None = Field(default=None, max_length=32)


class Queued(BaseModel):
    outcome: Literal["queued"] = "queued"
    visit_id: UUID
    office_id: str
    ticket: str
    line_id: str
    position: int
    estimated_wait_s: int
    note: str | None = None


class Accepted(BaseModel):
    outcome: Literal["accepted"] = "accepted"
    visit_id: UUID
    office_id: str
    message: str
    status_url: str


class Redirected(BaseModel):
    outcome: Literal["redirected"] = "redirected"
    visit_id: UUID
    office_id: str
    cause: RedirectCause
    alternative: Alternative
    message: str


class PolicyHints(BaseModel):
    office_id: str
    name: str
    local_time: str
    is_open: bool
    drop_in_open: bool
    opening_today: list[str]
    drop_in_today: list[str]
    next_opening: str | None
    next_drop_in: str | None
    emergency_always_allowed: bool = True
    appointment_checkin: dict[str, int]
    alternatives: list[Alternative]
    reasons: list[Reason]
    lines: list[dict[str, str]]
    rooms: list[dict[str, str]]
