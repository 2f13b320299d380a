"""FastAPI dependencies every API shares. Each app puts its office directory on `app.state.offices`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request
from visitflow_offices import Office, OfficeDirectory

from .errors import ApiError

OfficeId = Annotated[str, Path(pattern=r"^[a-z0-9-]{2,40}$", description="office id, e.g. halden")]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", description="retry with the same key to get the same answer")
]
_EVENT_ID = r"^\d{1,20}-\d{1,10}$"
_LARGEST_MS = 2**64 - 1  # a Redis stream id is two unsigned 64-bit numbers: milliseconds and a sequence


async def last_event_id(
    header: Annotated[str | None, Header(alias="Last-Event-ID", pattern=_EVENT_ID)] = None,
    query: Annotated[str | None, Query(alias="last_event_id", pattern=_EVENT_ID)] = None,
) -> str | None:
    """Where a live stream resumes: the browser's own header, or the id a page names when it reopens.
    An id no stream can have sent is refused here, before the stream's answer has begun."""
    resume_from = header or query
    if resume_from is not None and int(resume_from.partition("-")[0]) > _LARGEST_MS:
        raise ApiError(
            422,
            "invalid_request",
            "Last-Event-ID is not an id this stream sent; reconnect without it to start afresh.",
        )
    return resume_from


LastEventId = Annotated[str | None, Depends(last_event_id)]


async def current_office(request: Request, office_id: OfficeId) -> Office:
    offices: OfficeDirectory = request.app.state.offices
    office = offices.office(office_id)
    if office is None:
        raise ApiError(404, "unknown_office", "There is no such office.")
    return office


OfficeDep = Annotated[Office, Depends(current_office)]
