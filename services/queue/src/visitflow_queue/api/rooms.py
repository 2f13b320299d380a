"""Rooms in and out of service: host commands of the same shape as the visits' (`commands`); a close
may say when the host expects the room back (`CloseRoomBody.until`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from fastapi.responses import JSONResponse
from visitflow_events import CloseRoom, OpenRoom
from visitflow_platform.access import Action
from visitflow_platform.auth import require
from visitflow_platform.errors import ApiError

from ..domain.rooms import office_instant, until_refusal
from .commands import COMMAND_ANSWERS, CommandRoute, send
from .dependencies import Origin, Queue
from .schemas import CloseRoomBody

router = APIRouter(prefix="/api/offices/{office_id}")

CLOSE_ANSWERS: dict[int | str, dict[str, Any]] = {
    **COMMAND_ANSWERS,
    422: {"description": "`bad_until`: not later than now, or past the office's opening today"},
}


@router.post(
    "/rooms/{room_id}/close",
    name="close_room",
    summary="Take a room out of service (lunch, a meeting, the end of a shift), until a time or until "
    "further notice: nobody is called to it, and the wait estimates expect it back at that time (it is "
    "not opened by itself); a visitor in it finishes their conversation",
    responses=CLOSE_ANSWERS,
    dependencies=[require(Action.ROOM_SERVICE)],
)
async def close_room(
    queue: Queue,
    origin: Origin,
    room_id: Annotated[str, Path()],
    body: Annotated[CloseRoomBody | None, Body()] = None,
) -> JSONResponse:
    until = None
    if body is not None and body.until is not None:
        zone, now = queue.settings.offices.timezone, origin.occurred_at
        until = office_instant(body.until, now, zone)
        if refusal := until_refusal(origin.office, until, now, zone):
            raise ApiError(422, "bad_until", refusal)
    return await send(queue, origin, CloseRoom, room_id=room_id, until=until)


CommandRoute(
    "open_room", "/rooms/{room_id}/open", OpenRoom, Action.ROOM_SERVICE, "Put a room back in service"
).add_to(router)
