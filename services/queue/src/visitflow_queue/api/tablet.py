"""The host's tablet: its page and what it needs to know to check visitors in."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from visitflow_platform.auth import PUBLIC
from visitflow_platform.deps import OfficeDep
from visitflow_platform.pages import page

from .dependencies import Queue

WEB = Path(__file__).parent.parent / "web"

router = APIRouter(include_in_schema=False, dependencies=[PUBLIC])


@router.get("/tablet/config")
async def tablet_config(api: Queue) -> dict[str, str]:
    return {"checkin_url": api.settings.checkin_public_url}


@router.get("/tablet/{office_id}")
async def tablet(office: OfficeDep, api: Queue) -> FileResponse:
    return page(WEB / "tablet.html", connect=api.settings.checkin_public_url)
