"""Bodies of the host commands, as the tablet sends them. Rooms, lines and counsellors are the office's
own ids (the snapshot lists them); the API refuses any other before it publishes
(`api.dependencies.refuse_unknown`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from visitflow_events import CancelCause, Outcome

_ID = r"^[A-Za-z0-9._-]{1,64}$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CallNextBody(_Body):
    room_id: str = Field(pattern=_ID)
    line_id: str | None = Field(default=None, pattern=_ID)
    counsellor_id: str | None = Field(default=None, pattern=_ID)


class CallBody(_Body):
    room_id: str = Field(pattern=_ID)


class CompleteBody(_Body):
    outcome: Outcome


class TransferBody(_Body):
    to_line_id: str = Field(pattern=_ID)
    counsellor_id: str | None = Field(default=None, pattern=_ID)


class CancelBody(_Body):
    cause: CancelCause = CancelCause.VISITOR_LEFT


class EmptyBody(_Body):
    pass
