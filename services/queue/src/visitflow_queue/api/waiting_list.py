"""An office's waiting list: its picture now (visitors waiting and called, rooms, lines, counsellors and
today's appointments), and the same live."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from visitflow_platform.access import Action
from visitflow_platform.auth import require
from visitflow_platform.deps import LastEventId, OfficeDep
from visitflow_platform.live_stream import LiveStream
from visitflow_platform.web import live_response

from .dependencies import READ_ANSWERS, Queue

router = APIRouter(prefix="/api/offices/{office_id}")


@router.get(
    "/queue",
    summary="Waiting list, called visitors, rooms, lines and counsellors",
    responses=READ_ANSWERS,
    dependencies=[require(Action.READ_QUEUE)],
)
async def queue(office: OfficeDep, api: Queue) -> JSONResponse:
    frame = await api.picture(office.id)
    return JSONResponse(orjson.loads(frame.data)["snapshot"], headers={"X-Snapshot-Id": frame.id})


@router.get(
    "/queue/stream",
    summary="Live stream (server-sent events); resumes from Last-Event-ID",
    responses=READ_ANSWERS,
    dependencies=[require(Action.READ_QUEUE)],
)
async def stream(office: OfficeDep, api: Queue, last_event_id: LastEventId) -> LiveStream:
    await api.picture(office.id)  # a stream starts from a true picture, or not at all (503)
    return live_response(api.hub.subscribe(office.id, last_event_id))
