"""The check-in API's own bodies: an office's policy as the tablet reads it, and a batch of bookings.
(A check-in's request and answers are the domain's: `domain.check_in_request`, `domain.answers`.)"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from visitflow_events import Alternative, Reason
from visitflow_events.ids import REFERENCE_PATTERN

from ..domain import MAX_BOOKINGS_PER_IMPORT, BookingIn


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
    counsellors: list[dict[str, str]]
    reference_pattern: str = Field(
        REFERENCE_PATTERN, description="what an appointment's reference looks like"
    )


class BookingBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bookings: list[BookingIn] = Field(min_length=1, max_length=MAX_BOOKINGS_PER_IMPORT)
