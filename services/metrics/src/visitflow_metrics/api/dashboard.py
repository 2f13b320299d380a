"""The regional dashboard: its page and assets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from visitflow_platform.auth import PUBLIC

from .dependencies import region_named

WEB = Path(__file__).parent.parent / "web"

router = APIRouter(include_in_schema=False, dependencies=[PUBLIC])


@router.get("/dashboard")
async def dashboard(
    request: Request, region: Annotated[str | None, Query(pattern=r"^[a-z0-9-]{2,40}$")] = None
) -> FileResponse:
    if region is not None:
        region_named(request, region)
    return FileResponse(WEB / "index.html", headers={"Cache-Control": "no-cache"})
