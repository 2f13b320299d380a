"""The queue API: waiting lists and rooms, host commands, and a live stream per office."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Body, Depends, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from prometheus_client import CollectorRegistry, Counter, Gauge
from sse_starlette import EventSourceResponse
from visitflow_events import (
    CallNext,
    CallVisit,
    CancelVisit,
    CloseRoom,
    Command,
    CompleteService,
    HoldVisit,
    MarkNoShow,
    OpenRoom,
    Recall,
    ResolveFollowUp,
    ReturnVisit,
    StartService,
    TransferVisit,
    UndoRemoval,
)
from visitflow_offices import Office
from visitflow_platform.access import Action
from visitflow_platform.auth import PUBLIC, Principal, principal, require
from visitflow_platform.deps import IdempotencyKey, LastEventId, OfficeDep
from visitflow_platform.errors import ApiError
from visitflow_platform.ids import idempotency_key, stable_id
from visitflow_platform.live import Frame, LiveHub
from visitflow_platform.pages import mount_static, page
from visitflow_platform.pseudonyms import pseudonym
from visitflow_platform.runtime import ApiRuntime
from visitflow_platform.visit_links import LinkStore
from visitflow_platform.web import install_common, live_response

from . import projection
from .config import QueueSettings
from .domain import OfficeQueue, snapshot, unknown_ids
from .frames import SCOPE, snapshot_frame
from .schemas import CallBody, CallNextBody, CancelBody, CompleteBody, EmptyBody, TransferBody

WEB = Path(__file__).parent / "web"
COMMAND_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "done; the body carries the event it caused"},
    202: {"description": "recorded; the queue has not answered yet"},
    409: {
        "description": "refused by the queue (`nobody_waiting`, `room_busy`, `wrong_stage`, `on_hold`, "
        "`recall_limit`, `nothing_to_undo`, `undo_expired`, `unknown_visit`, ...)"
    },
    503: {"description": "Kafka did not confirm; nothing recorded, retry"},
}
READ_ANSWERS: dict[int | str, dict[str, Any]] = {
    503: {"description": "`rebuilding`: Redis lost the read model and it is being rebuilt; retry"},
}


async def command_envelope(
    request: Request,
    office: OfficeDep,
    who: Annotated[Principal, Depends(principal)],
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    """What every host command carries: its id, from a keyed digest of the Idempotency-Key (a client may
    put anything in its key), and as the actor the pseudonym of the token's subject. Nothing else a
    client sends says who acted."""
    settings: QueueSettings = request.app.state.settings
    digest = pseudonym(settings.pseudonym_secret, idempotency_key(key))
    command_id = stable_id(office.id, "command", digest)
    return {
        "command_id": command_id,
        "occurred_at": settings.clock.now(),
        "office_id": office.id,
        "correlation_id": command_id,
        "producer": settings.service_name,
        "actor_id": pseudonym(settings.pseudonym_secret, who.subject),
    }


Envelope = Annotated[dict[str, Any], Depends(command_envelope)]


def refuse_unknown(office: Office, asked: dict[str, Any]) -> None:
    """A command names only its office's rooms, lines and counsellors; anything else is refused before
    it is published, naming the field and never quoting it."""
    if unknown := unknown_ids(office, asked):
        field, what = unknown[0]
        raise ApiError(422, f"unknown_{what}", f"{field}: {office.name} has no such {what}.")


def create_app(settings: QueueSettings) -> FastAPI:
    runtime = ApiRuntime(settings, publishes=True, awaits_replies=True, worker_service="queue")
    offices = settings.offices
    registry = CollectorRegistry()
    commands_total = Counter(  # no office label: per-office figures are the metrics service's alone
        "visitflow_queue_commands",
        "Host commands by type and result",
        ["command", "result"],
        registry=registry,
    )

    @functools.cache
    def empty(office_id: str) -> str:
        office = offices.office(office_id)
        view = snapshot(OfficeQueue(office_id=office_id), office) if office else {}
        return snapshot_frame(view)

    hub = LiveHub(runtime.redis, SCOPE, empty)

    async def read_model_whole() -> bool:
        return await projection.whole(runtime.redis, settings.partitions)

    async def picture(office_id: str) -> Frame:
        """The office's snapshot. An office with none is shown empty only while the read model is known
        whole: after Redis was wiped, it may just not be back yet (503 `rebuilding` until it is)."""
        frame = await hub.snapshot(office_id)
        if frame.data == empty(office_id) and not await read_model_whole():
            raise ApiError(
                503,
                "rebuilding",
                "The waiting list is being rebuilt; try again in a moment.",
                headers={"Retry-After": "2"},
            )
        return frame

    Gauge("visitflow_live_clients", "Open live-stream connections", ["service"], registry=registry).labels(
        "queue"
    ).set_function(lambda: hub.listeners)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        await hub.start()
        yield
        await hub.stop()
        await runtime.stop()

    app = FastAPI(
        title="Visitflow queue",
        version="1.0.0",
        lifespan=lifespan,
        description="Live waiting lists, rooms and host commands per office.",
    )
    checks = runtime.checks()
    checks["live"] = hub.ready
    checks["read_model"] = read_model_whole
    app.state.offices = offices
    app.state.settings = settings
    install_common(app, settings, registry, checks)
    api = APIRouter(prefix="/api/offices/{office_id}")

    @api.get(
        "/queue",
        summary="Waiting list, called visitors, rooms, lines and counsellors",
        responses=READ_ANSWERS,
        dependencies=[require(Action.READ_QUEUE)],
    )
    async def queue(office: OfficeDep) -> JSONResponse:
        frame = await picture(office.id)
        return JSONResponse(orjson.loads(frame.data)["snapshot"], headers={"X-Snapshot-Id": frame.id})

    @api.get(
        "/queue/stream",
        summary="Live stream (server-sent events); resumes from Last-Event-ID",
        responses=READ_ANSWERS,
        dependencies=[require(Action.READ_QUEUE)],
    )
    async def stream(
        office: OfficeDep,
        request: Request,
        last_event_id: LastEventId,
    ) -> EventSourceResponse:
        await picture(office.id)  # a stream starts from a true picture, or not at all (503)
        return live_response(hub.subscribe(office.id, last_event_id))

    async def send(
        office: Office, envelope: dict[str, Any], kind: type[Command], **asked: Any
    ) -> JSONResponse:
        refuse_unknown(office, asked)
        command = kind(**envelope, **asked)
        key = str(command.command_id)
        stored = await runtime.replies.stored(key)
        if stored is None:
            waiting = runtime.replies.expect(key)
            await runtime.publisher.publish(settings.topics.commands, command)
            stored = await runtime.replies.wait(key, waiting, settings.reply_timeout_s)
        name = command.model_dump()["type"]
        if stored is None:
            commands_total.labels(name, "accepted").inc()
            return JSONResponse(
                {
                    "status": "accepted",
                    "command_id": key,
                    "message": "Recorded; the queue has not answered yet.",
                },
                202,
            )
        result = orjson.loads(stored)
        # a result stored before results carried their command's fingerprint is taken as this command's
        if result.get("fingerprint", command.fingerprint) != command.fingerprint:
            commands_total.labels(name, "key_reused").inc()
            raise ApiError(
                422, "idempotency_key_reused", "This Idempotency-Key was already used for another command."
            )
        if "rejected" in result:
            rejected = result["rejected"]
            commands_total.labels(name, "rejected").inc()
            return JSONResponse(
                {"error": rejected["code"], "message": rejected["detail"], "command_id": key}, 409
            )
        commands_total.labels(name, "done").inc()
        events = result["events"]
        return JSONResponse({"command_id": key, "event": events[-1], "events": events})

    @api.post(
        "/call-next",
        summary="Call the next visitor to a room",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.CALL)],
    )
    async def call_next(office: OfficeDep, body: CallNextBody, envelope: Envelope) -> JSONResponse:
        return await send(office, envelope, CallNext, **body.model_dump())

    @api.post(
        "/visits/{visit_id}/call",
        summary="Call a given visitor to a room",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.CALL)],
    )
    async def call(office: OfficeDep, visit_id: UUID, body: CallBody, envelope: Envelope) -> JSONResponse:
        return await send(office, envelope, CallVisit, visit_id=visit_id, **body.model_dump())

    @api.post(
        "/visits/{visit_id}/recall",
        summary="Call again; refused (`recall_limit`) after the office's configured calls",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.RECALL)],
    )
    async def recall(
        office: OfficeDep,
        visit_id: UUID,
        envelope: Envelope,
        _: Annotated[EmptyBody | None, Body()] = None,
    ) -> JSONResponse:
        return await send(office, envelope, Recall, visit_id=visit_id)

    @api.post(
        "/visits/{visit_id}/start",
        summary="The visitor arrived in the room",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.START)],
    )
    async def start(
        office: OfficeDep,
        visit_id: UUID,
        envelope: Envelope,
        _: Annotated[EmptyBody | None, Body()] = None,
    ) -> JSONResponse:
        return await send(office, envelope, StartService, visit_id=visit_id)

    @api.post(
        "/visits/{visit_id}/complete",
        summary="Complete with an outcome",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.COMPLETE)],
    )
    async def complete(
        office: OfficeDep, visit_id: UUID, body: CompleteBody, envelope: Envelope
    ) -> JSONResponse:
        return await send(office, envelope, CompleteService, visit_id=visit_id, **body.model_dump())

    @api.post(
        "/visits/{visit_id}/no-show",
        summary="The visitor did not come",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.NO_SHOW)],
    )
    async def no_show(
        office: OfficeDep,
        visit_id: UUID,
        envelope: Envelope,
        _: Annotated[EmptyBody | None, Body()] = None,
    ) -> JSONResponse:
        return await send(office, envelope, MarkNoShow, visit_id=visit_id)

    @api.post(
        "/visits/{visit_id}/transfer",
        summary="Move to another line or counsellor",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.TRANSFER)],
    )
    async def transfer(
        office: OfficeDep, visit_id: UUID, body: TransferBody, envelope: Envelope
    ) -> JSONResponse:
        return await send(office, envelope, TransferVisit, visit_id=visit_id, **body.model_dump())

    @api.post(
        "/visits/{visit_id}/cancel",
        summary="The visitor left",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.CANCEL)],
    )
    async def cancel(
        office: OfficeDep, visit_id: UUID, envelope: Envelope, body: CancelBody | None = None
    ) -> JSONResponse:
        return await send(
            office, envelope, CancelVisit, visit_id=visit_id, **(body or CancelBody()).model_dump()
        )

    @api.post(
        "/visits/{visit_id}/hold",
        summary="The visitor stepped out: keeps their place, is not called until back",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.HOLD)],
    )
    async def hold(
        office: OfficeDep,
        visit_id: UUID,
        envelope: Envelope,
        _: Annotated[EmptyBody | None, Body()] = None,
    ) -> JSONResponse:
        return await send(office, envelope, HoldVisit, visit_id=visit_id)

    @api.post(
        "/visits/{visit_id}/return",
        summary="A visitor on hold is back in line, at their own place",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.HOLD)],
    )
    async def return_(
        office: OfficeDep,
        visit_id: UUID,
        envelope: Envelope,
        _: Annotated[EmptyBody | None, Body()] = None,
    ) -> JSONResponse:
        return await send(office, envelope, ReturnVisit, visit_id=visit_id)

    @api.post(
        "/visits/{visit_id}/undo",
        summary="Undo the visit's last removal (complete, no-show, cancel, transfer) within the office's "
        "`undo_seconds`; later it is refused `undo_expired`",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.UNDO)],
    )
    async def undo(
        office: OfficeDep,
        visit_id: UUID,
        envelope: Envelope,
        _: Annotated[EmptyBody | None, Body()] = None,
    ) -> JSONResponse:
        return await send(office, envelope, UndoRemoval, visit_id=visit_id)

    links = LinkStore(runtime.redis, settings.pseudonym_secret)

    @api.post(
        "/visits/{visit_id}/link/revoke",
        summary="Withdraw the visitor's link to their own page: it opens nothing from now on",
        responses={404: {"description": "the visit has no link (any more) at this office"}},
        dependencies=[require(Action.REVOKE_VISIT_LINK)],
    )
    async def revoke_link(office: OfficeDep, visit_id: UUID) -> dict[str, str]:
        if not await links.revoke(visit_id, office.id):
            raise ApiError(404, "no_link", "That visit has no link (any more).")
        return {"status": "revoked"}

    @api.post(
        "/follow-ups/{visit_id}/resolve",
        summary="An emergency carried over from an earlier day has been followed up",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.RESOLVE_FOLLOW_UP)],
    )
    async def resolve_follow_up(
        office: OfficeDep,
        visit_id: UUID,
        envelope: Envelope,
        _: Annotated[EmptyBody | None, Body()] = None,
    ) -> JSONResponse:
        return await send(office, envelope, ResolveFollowUp, visit_id=visit_id)

    @api.post(
        "/rooms/{room_id}/close",
        summary="Take a room out of service (lunch, a meeting, the end of a shift): nobody is called to "
        "it, and the wait estimates count it no more; a visitor in it finishes their conversation",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.ROOM_SERVICE)],
    )
    async def close_room(
        office: OfficeDep,
        room_id: str,
        envelope: Envelope,
        _: Annotated[EmptyBody | None, Body()] = None,
    ) -> JSONResponse:
        return await send(office, envelope, CloseRoom, room_id=room_id)

    @api.post(
        "/rooms/{room_id}/open",
        summary="Put a room back in service",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.ROOM_SERVICE)],
    )
    async def open_room(
        office: OfficeDep,
        room_id: str,
        envelope: Envelope,
        _: Annotated[EmptyBody | None, Body()] = None,
    ) -> JSONResponse:
        return await send(office, envelope, OpenRoom, room_id=room_id)

    app.include_router(api)
    mount_static(app, WEB)

    @app.get("/tablet/config", include_in_schema=False, dependencies=[PUBLIC])
    async def tablet_config() -> dict[str, str]:
        return {"checkin_url": settings.checkin_public_url}

    @app.get("/tablet/{office_id}", include_in_schema=False, dependencies=[PUBLIC])
    async def tablet(office: OfficeDep) -> FileResponse:
        return page(WEB / "tablet.html", connect=settings.checkin_public_url)

    return app
