"""Rooms in and out of service: host commands of the same shape as the visits' (`commands`)."""

from __future__ import annotations

from fastapi import APIRouter
from visitflow_events import CloseRoom, OpenRoom
from visitflow_platform.access import Action

from .commands import CommandRoute

router = APIRouter(prefix="/api/offices/{office_id}")

ROOM_COMMANDS = (
    CommandRoute(
        "close_room",
        "/rooms/{room_id}/close",
        CloseRoom,
        Action.ROOM_SERVICE,
        "Take a room out of service (lunch, a meeting, the end of a shift): nobody is called to "
        "it, and the wait estimates count it no more; a visitor in it finishes their conversation",
    ),
    CommandRoute(
        "open_room", "/rooms/{room_id}/open", OpenRoom, Action.ROOM_SERVICE, "Put a room back in service"
    ),
)
for _route in ROOM_COMMANDS:
    _route.add_to(router)
