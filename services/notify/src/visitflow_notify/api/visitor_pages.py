"""A visitor's own page, opened by the visit link: the page (`/v/{token}`), its visit's picture and live
stream, and the visitor's three acts (`/api/visit/{token}/...`). The link is the only credential
(`dependencies.Link`); what it opens is `visitor_links.VisitLinks`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse
from sse_starlette import EventSourceResponse
from visitflow_events import CancelCause, CancelVisit, HoldVisit, ReturnVisit
from visitflow_platform.deps import IdempotencyKey, LastEventId
from visitflow_platform.errors import ApiError
from visitflow_platform.pages import page
from visitflow_platform.web import live_response

from ..adapters.visitor_links import LINK_PATHS, LINK_STREAMS
from .dependencies import Link, Notify
from .displays import WEB

router = APIRouter(prefix=LINK_PATHS.rstrip("/") + "/{token}")
ACT_ANSWERS: dict[int | str, dict[str, Any]] = {
    202: {"description": "recorded; the queue has not answered yet (the stream shows the outcome)"},
    409: {"description": "refused by the queue (`wrong_stage`, `unknown_visit`): it does not fit the visit"},
    422: {"description": "the Idempotency-Key was used for another act"},
    503: {"description": "Kafka did not confirm; nothing recorded, retry"},
}


@router.get("", summary="The visit's own picture: ticket, stage, place and expected wait, or the room")
async def own(link: Link, api: Notify) -> dict[str, Any]:
    return await api.visit_links.own(link)


@router.get(
    "/stream", summary="The visit's own picture, live (server-sent events); resumes from Last-Event-ID"
)
async def stream(link: Link, api: Notify, last_event_id: LastEventId) -> EventSourceResponse:
    visits = api.visit_links
    if visits.streams[link.digest] >= LINK_STREAMS:
        raise ApiError(
            429,
            "too_many_streams",
            "This link has its streams open already.",
            headers={"Retry-After": "15"},
        )
    return live_response(visits.frames(link, last_event_id))


@router.post("/hold", responses=ACT_ANSWERS, summary="I have stepped out: hold my place")
async def hold(link: Link, api: Notify, key: IdempotencyKey = None) -> JSONResponse:
    return await api.visit_links.command(link, HoldVisit, key)


@router.post("/return", responses=ACT_ANSWERS, summary="I am back")
async def back(link: Link, api: Notify, key: IdempotencyKey = None) -> JSONResponse:
    return await api.visit_links.command(link, ReturnVisit, key)


@router.post("/cancel", responses=ACT_ANSWERS, summary="I no longer need to wait")
async def cancel(link: Link, api: Notify, key: IdempotencyKey = None) -> JSONResponse:
    return await api.visit_links.command(link, CancelVisit, key, cause=CancelCause.VISITOR_LEFT)


pages = APIRouter()


@pages.get("/v/{token}", include_in_schema=False)
async def visit_page(link: Link) -> FileResponse:
    return page(WEB / "visitor.html")
