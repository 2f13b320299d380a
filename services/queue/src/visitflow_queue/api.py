"""The queue API: waiting lists and rooms, host commands, and a live stream per office."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Body, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from prometheus_client import CollectorRegistry, Counter, Gauge
from sse_starlette import EventSourceResponse
from visitflow_events import (
    CallNext,
    CallVisit,
    CancelVisit,
    Command,
    CompleteService,
    MarkNoShow,
    Recall,
    StartService,
    TransferVisit,
)
from visitflow_offices import Office
from visitflow_platform.auth import PUBLIC, Action, require
from visitflow_platform.deps import ActorId, IdempotencyKey, LastEventId, OfficeDep
from visitflow_platform.ids import idempotency_key, stable_id
from visitflow_platform.live import LiveHub
from visitflow_platform.pages import mount_static, page
from visitflow_platform.runtime import ApiRuntime
from visitflow_platform.web import install_common, live_response

from .config import QueueSettings
from .domain import OfficeQueue, snapshot
from .frames import SCOPE, snapshot_frame
from .schemas import CallBody, CallNextBody, CancelBody, CompleteBody, EmptyBody, TransferBody

WEB = Path(__file__).parent / "web"
COMMAND_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "done; the body carries the event it caused"},
    202: {"description": "recorded; the queue has not answered yet"},
    409: {"description": "refused by the queue (nobody waiting, room busy, wrong stage, ...)"},
    503: {"description": "Kafka did not confirm; nothing recorded, retry"},
}


def create_app(settings: QueueSettings) -> FastAPI:
    runtime = ApiRuntime(settings, publishes=True, awaits_replies=True, worker_service="queue")
    offices = settings.offices
    clock = settings.clock
    registry = CollectorRegistry()
    commands_total = Counter(
        "visitflow_queue_commands",
        "Host commands by type and result",
        ["office", "command", "result"],
        registry=registry,
    )

    def empty(office_id: str) -> str:
        office = offices.office(office_id)
        view = snapshot(OfficeQueue(office_id=office_id), office) if office else {}
        return snapshot_frame(view)

    hub = LiveHub(runtime.redis, SCOPE, empty)
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
    app.state.offices = offices
    install_common(app, settings, registry, checks)
    api = APIRouter(prefix="/api/offices/{office_id}")

    @api.get(
        "/queue",
        summary="Waiting list, called visitors, rooms and lines",
        dependencies=[require(Action.READ_QUEUE)],
    )
    async def queue(office: OfficeDep) -> JSONResponse:
        frame = await hub.snapshot(office.id)
        return JSONResponse(orjson.loads(frame.data)["snapshot"], headers={"X-Snapshot-Id": frame.id})

    @api.get(
        "/queue/stream",
        summary="Live stream (server-sent events); resumes from Last-Event-ID",
        dependencies=[require(Action.READ_QUEUE)],
    )
    async def stream(
        office: OfficeDep,
        request: Request,
        last_event_id: LastEventId,
    ) -> EventSourceResponse:
        return live_response(hub.subscribe(office.id, last_event_id))

    async def send(office: Office, command: Command) -> JSONResponse:
        key = str(command.command_id)
        stored = await runtime.replies.stored(key)
        if stored is None:
            waiting = runtime.replies.expect(key)
            await runtime.publisher.publish(settings.topics.commands, command)
            stored = await runtime.replies.wait(key, waiting, settings.reply_timeout_s)
        name = command.model_dump()["type"]
        if stored is None:
            commands_total.labels(office.id, name, "accepted").inc()
            return JSONResponse(
                {
                    "status": "accepted",
                    "command_id": key,
                    "message": "Recorded; the queue has not answered yet.",
                },
                202,
            )
        result = orjson.loads(stored)
        if "rejected" in result:
            rejected = result["rejected"]
            commands_total.labels(office.id, name, "rejected").inc()
            return JSONResponse(
                {"error": rejected["code"], "message": rejected["detail"], "command_id": key}, 409
            )
        commands_total.labels(office.id, name, "done").inc()
        events = result["events"]
        return JSONResponse({"command_id": key, "event": events[-1], "events": events})

    def envelope(office: Office, kind: str, key_header: str | None, actor: str | None) -> dict[str, Any]:
        key = idempotency_key(key_header)
        command_id = stable_id(office.id, "command", key)
        return {
            "command_id": command_id,
            "occurred_at": clock.now(),
            "office_id": office.id,
            "correlation_id": command_id,
            "producer": settings.service_name,
            "actor_id": actor,
        }

    @api.post(
        "/call-next",
        summary="Call the next visitor to a room",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.CALL)],
    )
    async def call_next(
        office: OfficeDep, body: CallNextBody, key: IdempotencyKey = None, actor: ActorId = None
    ) -> JSONResponse:
        return await send(office, CallNext(**envelope(office, "call-next", key, actor), **body.model_dump()))

    @api.post(
        "/visits/{visit_id}/call",
        summary="Call a given visitor to a room",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.CALL)],
    )
    async def call(
        office: OfficeDep, visit_id: UUID, body: CallBody, key: IdempotencyKey = None, actor: ActorId = None
    ) -> JSONResponse:
        return await send(
            office, CallVisit(**envelope(office, "call", key, actor), visit_id=visit_id, room_id=body.room_id)
        )

    @api.post(
        "/visits/{visit_id}/recall",
        summary="Call again (a no-show after the configured calls)",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.RECALL)],
    )
    async def recall(
        office: OfficeDep,
        visit_id: UUID,
        key: IdempotencyKey = None,
        actor: ActorId = None,
        _: Annotated[EmptyBody | None, Body()] = None,
    ) -> JSONResponse:
        return await send(office, Recall(**envelope(office, "recall", key, actor), visit_id=visit_id))

    @api.post(
        "/visits/{visit_id}/start",
        summary="The visitor arrived in the room",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.START)],
    )
    async def start(
        office: OfficeDep,
        visit_id: UUID,
        key: IdempotencyKey = None,
        actor: ActorId = None,
        _: Annotated[EmptyBody | None, Body()] = None,
    ) -> JSONResponse:
        return await send(office, StartService(**envelope(office, "start", key, actor), visit_id=visit_id))

    @api.post(
        "/visits/{visit_id}/complete",
        summary="Complete with an outcome",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.COMPLETE)],
    )
    async def complete(
        office: OfficeDep,
        visit_id: UUID,
        body: CompleteBody,
        key: IdempotencyKey = None,
        actor: ActorId = None,
    ) -> JSONResponse:
        return await send(
            office,
            CompleteService(
                **envelope(office, "complete", key, actor), visit_id=visit_id, outcome=body.outcome
            ),
        )

    @api.post(
        "/visits/{visit_id}/no-show",
        summary="The visitor did not come",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.NO_SHOW)],
    )
    async def no_show(
        office: OfficeDep,
        visit_id: UUID,
        key: IdempotencyKey = None,
        actor: ActorId = None,
        _: Annotated[EmptyBody | None, Body()] = None,
    ) -> JSONResponse:
        return await send(office, MarkNoShow(**envelope(office, "no-show", key, actor), visit_id=visit_id))

    @api.post(
        "/visits/{visit_id}/transfer",
        summary="Move to another line or counsellor",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.TRANSFER)],
    )
    async def transfer(
        office: OfficeDep,
        visit_id: UUID,
        body: TransferBody,
        key: IdempotencyKey = None,
        actor: ActorId = None,
    ) -> JSONResponse:
        return await send(
            office,
            TransferVisit(**envelope(office, "transfer", key, actor), visit_id=visit_id, **body.model_dump()),
        )

    @api.post(
        "/visits/{visit_id}/cancel",
        summary="The visitor left",
        responses=COMMAND_ANSWERS,
        dependencies=[require(Action.CANCEL)],
    )
    async def cancel(
        office: OfficeDep,
        visit_id: UUID,
        key: IdempotencyKey = None,
        actor: ActorId = None,
        body: CancelBody | None = None,
    ) -> JSONResponse:
        return await send(
            office,
            CancelVisit(
                **envelope(office, "cancel", key, actor),
                visit_id=visit_id,
                cause=(body or CancelBody()).cause,
            ),
        )

    app.include_router(api)
    mount_static(app, WEB)

    @app.get("/tablet/config", include_in_schema=False, dependencies=[PUBLIC])
    async def tablet_config() -> dict[str, str]:
        return {"checkin_url": settings.checkin_public_url}

    @app.get("/tablet/{office_id}", include_in_schema=False, dependencies=[PUBLIC])
    async def tablet(office: OfficeDep) -> FileResponse:
        return page(WEB / "tablet.html", connect=settings.checkin_public_url)

    return app
