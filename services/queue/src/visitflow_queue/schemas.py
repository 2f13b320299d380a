"""Bodies of the host commands, as the tablet sends them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from visitflow_events import CancelCause, Outcome
from visitflow_events.commands import ROOM_PATTERN

_ID = r"^[A-Za-z0-9._-]{1,64}$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CallNextBody(_Body):
    room_id: str = Field(pattern=ROOM_PATTERN)
    line_id: str | None = Field(default=None, max_length=32)
    counsellor_id: str | None = Field(default=None, pattern=_ID)


class CallBody(_Body):
    room_id: str = Field(pattern=ROOM_PATTERN)


class CompleteBody(_Body):
    outcome: Outcome


class TransferBody(_Body):
    to_line_id: str = Field(max_length=32)
    counsellor_id: str | None = Field(default=None, pattern=_ID)


class CancelBody(_Body):
    cause: CancelCause = CancelCause.VISITOR_LEFT


class EmptyBody(_Body):
    pass
