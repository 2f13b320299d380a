"""The notify API: each office's waiting-room display and counsellor alerts, as pages, snapshots and
live streams."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import orjson
from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, JSONResponse
from prometheus_client import CollectorRegistry, Gauge
from sse_starlette import EventSourceResponse
from visitflow_platform.access import Action
from visitflow_platform.auth import PUBLIC, require
from visitflow_platform.deps import LastEventId, OfficeDep
from visitflow_platform.live import LiveHub
from visitflow_platform.pages import mount_static, page
from visitflow_platform.runtime import ApiRuntime
from visitflow_platform.web import install_common, live_response

from .config import NotifySettings
from .domain import Board
from .scopes import COUNSELLOR_SCOPE, DISPLAY_SCOPE, VISITOR_SCOPE
from .views import counsellor_frame, counsellor_view, current, day_view, display_frame, display_view
from .visit_pages import LINK_PATHS, LinkRefused, VisitLinks, refused, visit_routes
from .visitor import visits_frame, visits_view

WEB = Path(__file__).parent / "web"


def create_app(settings: NotifySettings) -> FastAPI:
    runtime = ApiRuntime(settings, publishes=True, worker_service="notify")
    offices = settings.offices

    def empty_display(office_id: str) -> str:
        office = offices.office(office_id)
        now = settings.clock.now()
        return display_frame(
            display_view(Board(office_id=office_id), office, now, settings.display_linger) if office else {}
        )

    def empty_counsellors(office_id: str) -> str:
        office = offices.office(office_id)
        return counsellor_frame(counsellor_view(Board(office_id=office_id), office) if office else {})

    def empty_visits(office_id: str) -> str:
        office = offices.office(office_id)
        if office is None:
            return visits_frame({})
        board, now = Board(office_id=office_id), settings.clock.now()
        return visits_frame(
            visits_view(board, office, display_view(board, office, now, settings.display_linger))
        )

    displays = LiveHub(runtime.redis, DISPLAY_SCOPE, empty_display)
    counsellors = LiveHub(runtime.redis, COUNSELLOR_SCOPE, empty_counsellors)
    visitors = LiveHub(runtime.redis, VISITOR_SCOPE, empty_visits)
    registry = CollectorRegistry()
    Gauge("visitflow_live_clients", "Open live-stream connections", ["service"], registry=registry).labels(
        "notify"
    ).set_function(lambda: displays.listeners + counsellors.listeners + visitors.listeners)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        await displays.start()
        await counsellors.start()
        await visitors.start()
        yield
        await visitors.stop()
        await counsellors.stop()
        await displays.stop()
        await runtime.stop()

    app = FastAPI(
        title="Visitflow notify",
        version="1.0.0",
        lifespan=lifespan,
        description="Waiting-room displays and notifications.",
    )
    app.state.offices = offices
    # the displays stay ready without Kafka (only a visitor's acts publish): its check is left out
    checks = {name: check for name, check in runtime.checks().items() if name != "kafka"}
    checks["live"] = displays.ready
    install_common(app, settings, registry, checks, link_paths=LINK_PATHS)
    app.add_exception_handler(LinkRefused, refused)
    mount_static(app, WEB)
    api = APIRouter(prefix="/api/offices/{office_id}")

    @api.get(
        "/display",
        summary="What the office's waiting-room display shows now",
        dependencies=[require(Action.READ_DISPLAY)],
    )
    async def display(office: OfficeDep) -> JSONResponse:
        """The board as it stands now, and the office's day (today's opening and drop-in hours)."""
        frame = await displays.snapshot(office.id)
        now = settings.clock.now()
        shows = current(orjson.loads(frame.data)["display"], now) | {"day": day_view(office, now)}
        return JSONResponse(shows, headers={"X-Snapshot-Id": frame.id})

    @api.get(
        "/display/stream",
        summary="The display's live stream (server-sent events)",
        dependencies=[require(Action.READ_DISPLAY)],
    )
    async def display_stream(office: OfficeDep, last_event_id: LastEventId) -> EventSourceResponse:
        return live_response(displays.subscribe(office.id, last_event_id))

    @api.get(
        "/counsellor-alerts/stream",
        summary="Today's arrivals for the office's counsellors, then each change and alert, live "
        "(server-sent events)",
        dependencies=[require(Action.READ_COUNSELLOR_ALERTS)],
    )
    async def counsellor_stream(office: OfficeDep, last_event_id: LastEventId) -> EventSourceResponse:
        return live_response(counsellors.subscribe(office.id, last_event_id))

    app.include_router(api)
    app.state.visit_links = visit_links = VisitLinks(
        settings, runtime.redis, visitors, runtime.publisher, settings.clock
    )
    visit_api, visit_page = visit_routes(visit_links, WEB)
    app.include_router(visit_api)
    app.include_router(visit_page)

    @app.get("/display/{office_id}", include_in_schema=False, dependencies=[PUBLIC])
    async def display_page(office: OfficeDep) -> FileResponse:
        return page(WEB / "display.html")

    @app.get("/counsellor/config", include_in_schema=False, dependencies=[PUBLIC])
    async def counsellor_config() -> dict[str, str]:
        return {"queue_url": settings.queue_public_url}

    @app.get("/counsellor/{office_id}", include_in_schema=False, dependencies=[PUBLIC])
    async def counsellor_page(office: OfficeDep) -> FileResponse:
        return page(WEB / "counsellor.html", connect=settings.queue_public_url)

    return app
