"""Counsellor alerts: today's arrivals for an office's counsellors and each change, live, and the
counsellor's page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse
from visitflow_platform.access import Action
from visitflow_platform.auth import PUBLIC, require
from visitflow_platform.deps import LastEventId, OfficeDep
from visitflow_platform.live_stream import LiveStream
from visitflow_platform.pages import page
from visitflow_platform.web import live_response

from .dependencies import Notify
from .displays import WEB

router = APIRouter(prefix="/api/offices/{office_id}")


@router.get(
    "/counsellor-alerts/stream",
    summary="Today's arrivals for the office's counsellors, then each change and alert, live "
    "(server-sent events)",
    dependencies=[require(Action.READ_COUNSELLOR_ALERTS)],
)
async def counsellor_stream(office: OfficeDep, api: Notify, last_event_id: LastEventId) -> LiveStream:
    return live_response(api.counsellors.subscribe(office.id, last_event_id))


pages = APIRouter(include_in_schema=False, dependencies=[PUBLIC])


@pages.get("/counsellor/config")
async def counsellor_config(api: Notify) -> dict[str, str]:
    return {"queue_url": api.settings.queue_public_url}


@pages.get("/counsellor/{office_id}")
async def counsellor_page(office: OfficeDep, api: Notify) -> FileResponse:
    return page(WEB / "counsellor.html", connect=api.settings.queue_public_url)
