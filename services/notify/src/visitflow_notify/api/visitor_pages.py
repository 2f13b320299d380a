"""A visitor's own page, opened by the visit link: the page (`/v/{token}`), its visit's picture and live
stream, and the visitor's three acts (`/api/visit/{token}/...`). The link is the only credential
(`dependencies.Link`); what it opens is `handlers.VisitLinks`, whose decisions are answered here: 200
done, 409 refused by the queue (its code; the page words it), 422 for a key reused for another act, 202
if the queue has not answered within the reply timeout (the stream shows the outcome)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse
from sse_starlette import ServerSentEvent
from visitflow_events import CancelCause, CancelVisit, Command, HoldVisit, ReturnVisit
from visitflow_platform.deps import IdempotencyKey, LastEventId
from visitflow_platform.errors import ApiError
from visitflow_platform.live_stream import LiveStream
from visitflow_platform.pages import page
from visitflow_platform.replies import Decision, Outcome
from visitflow_platform.visit_links import VisitLink
from visitflow_platform.web import live_response

from ..handlers import VisitLinks
from .dependencies import Link, Notify
from .displays import WEB
from .link_refusals import LINK_PATHS

router = APIRouter(prefix=LINK_PATHS.rstrip("/") + "/{token}")
ACT_ANSWERS: dict[int | str, dict[str, Any]] = {
    202: {"description": "recorded; the queue has not answered yet (the stream shows the outcome)"},
    409: {"description": "refused by the queue (`wrong_stage`, `unknown_visit`): it does not fit the visit"},
    422: {"description": "the Idempotency-Key was used for another act"},
    503: {"description": "Kafka did not confirm; nothing recorded, retry"},
}
VISIT_EVENT = "visit"
# the queue's refusals of a visitor's act, as the answer says them (the page says them in nb or en)
REFUSED = {
    "wrong_stage": "Your visit is not where that act fits any more; the page shows where it stands.",
    "unknown_visit": "Your visit is no longer in the queue.",
}
REFUSED_OTHERWISE = "The queue could not do that now."


def answer(act: Decision) -> JSONResponse:
    if act.outcome is Outcome.PENDING:
        return JSONResponse({"status": "accepted", "command_id": act.command_id}, 202)
    if act.outcome is Outcome.KEY_REUSED:
        raise ApiError(
            422, "idempotency_key_reused", "This Idempotency-Key was already used for another act."
        )
    if act.outcome is Outcome.REJECTED:
        code = str(act.code)
        # the queue's detail is written for hosts; the page words the code in the visitor's language
        return JSONResponse(
            {"error": code, "message": REFUSED.get(code, REFUSED_OTHERWISE), "command_id": act.command_id},
            409,
        )
    return JSONResponse({"status": "done", "command_id": act.command_id})


async def _act(
    visits: VisitLinks, link: VisitLink, kind: type[Command], key: str | None, **asked: Any
) -> JSONResponse:
    return answer(await visits.command(link, kind, key, **asked))


@router.get("", summary="The visit's own picture: ticket, stage, place and expected wait, or the room")
async def own(link: Link, api: Notify) -> dict[str, Any]:
    return await api.visit_links.own(link)


@router.get(
    "/stream", summary="The visit's own picture, live (server-sent events); resumes from Last-Event-ID"
)
async def stream(link: Link, api: Notify, last_event_id: LastEventId) -> LiveStream:
    visits = api.visit_links
    if visits.streams_full(link):
        raise ApiError(
            429,
            "too_many_streams",
            "This link has its streams open already.",
            headers={"Retry-After": "15"},
        )
    frames = (
        ServerSentEvent(own, event=VISIT_EVENT, id=frame_id)
        async for frame_id, own in visits.frames(link, last_event_id)
    )
    return live_response(frames)


@router.post("/hold", responses=ACT_ANSWERS, summary="I have stepped out: hold my place")
async def hold(link: Link, api: Notify, key: IdempotencyKey = None) -> JSONResponse:
    return await _act(api.visit_links, link, HoldVisit, key)


@router.post("/return", responses=ACT_ANSWERS, summary="I am back")
async def back(link: Link, api: Notify, key: IdempotencyKey = None) -> JSONResponse:
    return await _act(api.visit_links, link, ReturnVisit, key)


@router.post("/cancel", responses=ACT_ANSWERS, summary="I no longer need to wait")
async def cancel(link: Link, api: Notify, key: IdempotencyKey = None) -> JSONResponse:
    return await _act(api.visit_links, link, CancelVisit, key, cause=CancelCause.VISITOR_LEFT)


pages = APIRouter()


@pages.get("/v/{token}", include_in_schema=False)
async def visit_page(link: Link) -> FileResponse:
    return page(WEB / "visitor.html")
