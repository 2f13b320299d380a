"""What a check-in answers: queued with a ticket (the queue's reply), accepted with the ticket to follow
(a status URL), or redirected to an alternative. The first answer is kept for the check-in's resends."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field
from visitflow_events import Alternative, RedirectCause

from .visit_link import VisitLinkOut


class Queued(BaseModel):
    outcome: Literal["queued"] = "queued"
    visit_id: UUID
    office_id: str
    ticket: str
    line_id: str
    position: int
    estimated_wait_s: int = Field(description="the queue's estimate of the wait until called")
    low_s: int | None = Field(default=None, description="the estimate's range: likely no shorter")
    high_s: int | None = Field(default=None, description="the estimate's range: likely no longer")
    minutes: int | None = Field(default=None, description="the estimate as screens say it: about so many")
    minutes_to: int | None = Field(default=None, description="or a range, from `minutes` to this")
    no_room: bool = Field(default=False, description="every room is out of service: no wait can be said")
    note: str | None = None
    visit_link: VisitLinkOut | None = None


class Accepted(BaseModel):
    outcome: Literal["accepted"] = "accepted"
    visit_id: UUID
    office_id: str
    message: str
    status_url: str
    visit_link: VisitLinkOut | None = None


class Redirected(BaseModel):
    outcome: Literal["redirected"] = "redirected"
    visit_id: UUID
    office_id: str
    cause: RedirectCause
    alternative: Alternative
    message: str
