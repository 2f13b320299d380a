"""The waiting-room display: what it shows now, live, and its page."""

from __future__ import annotations

from pathlib import Path

import orjson
from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse
from visitflow_platform.access import Action
from visitflow_platform.auth import PUBLIC, require
from visitflow_platform.deps import LastEventId, OfficeDep
from visitflow_platform.live_stream import LiveStream
from visitflow_platform.pages import page
from visitflow_platform.web import live_response

from ..domain.views import current, day_view
from .dependencies import Notify

WEB = Path(__file__).parent.parent / "web"

router = APIRouter(prefix="/api/offices/{office_id}")


@router.get(
    "/display",
    summary="What the office's waiting-room display shows now",
    dependencies=[require(Action.READ_DISPLAY)],
)
async def display(office: OfficeDep, api: Notify) -> JSONResponse:
    """The board as it stands now, and the office's day (today's opening and drop-in hours)."""
    frame = await api.displays.snapshot(office.id)
    now = api.settings.clock.now()
    day = day_view(office, now, api.settings.offices.timezone)
    shows = current(orjson.loads(frame.data)["display"], now) | {"day": day}
    return JSONResponse(shows, headers={"X-Snapshot-Id": frame.id})


@router.get(
    "/display/stream",
    summary="The display's live stream (server-sent events)",
    dependencies=[require(Action.READ_DISPLAY)],
)
async def display_stream(office: OfficeDep, api: Notify, last_event_id: LastEventId) -> LiveStream:
    return live_response(api.displays.subscribe(office.id, last_event_id))


pages = APIRouter(include_in_schema=False, dependencies=[PUBLIC])


@pages.get("/display/{office_id}")
async def display_page(office: OfficeDep) -> FileResponse:
    return page(WEB / "display.html")
