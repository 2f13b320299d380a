"""The metrics API: footfall and KPIs per office and region, the region's live stream, the daily history
(JSON and CSV), every office's figures for Prometheus, and the regional dashboard page."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path as FilePath
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import BeforeValidator
from sse_starlette import EventSourceResponse, ServerSentEvent
from visitflow_offices import Office, OfficeDirectory, Region
from visitflow_platform.access import Action
from visitflow_platform.auth import PUBLIC, require
from visitflow_platform.deps import LastEventId, OfficeDep
from visitflow_platform.errors import ApiError
from visitflow_platform.live import SNAPSHOT, Frame, LiveHub
from visitflow_platform.pages import mount_common
from visitflow_platform.runtime import ApiRuntime
from visitflow_platform.web import install_common, live_response

from .config import MetricsSettings
from .domain import DaySummary, OpenFollowUps, kpis, live_view, longest_wait_s
from .exporter import OfficeFigures
from .lag import LagGauge
from .overview import Overview, as_csv
from .store import LIVE_SCOPE, SummaryStore

log = logging.getLogger(__name__)
WEB = FilePath(__file__).parent / "web"
REFRESH_S = 2.0  # how often the Prometheus figures are read from Redis
CLOCK_FRAME = "clock"
FIRST_DAY = date(2000, 1, 1)  # the first day a history may ask for (before Visitflow); the last is tomorrow
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_only(value: object) -> object:
    """A day is YYYY-MM-DD: pydantic would also take a number as a Unix time (`day=0` as 1970-01-01)."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


IsoDay = BeforeValidator(_iso_only)
RegionId = Annotated[str, Path(pattern=r"^[a-z0-9-]{2,40}$", description="region id, e.g. hedmark")]
First = Annotated[
    date | None, Query(alias="from", description="first day (default: 27 days before `to`)"), IsoDay
]
Last = Annotated[date | None, Query(alias="to", description="last day (default: today)"), IsoDay]
Day = Annotated[date | None, Query(description="the day (default: today)"), IsoDay]


class CsvResponse(Response):
    media_type = "text/csv; charset=utf-8"


async def current_region(request: Request, region_id: RegionId) -> Region:
    offices: OfficeDirectory = request.app.state.offices
    region = offices.regions.get(region_id)
    if region is None:
        raise ApiError(404, "unknown_region", "There is no such region.")
    return region


RegionDep = Annotated[Region, Depends(current_region)]


def create_app(settings: MetricsSettings) -> FastAPI:
    runtime = ApiRuntime(settings, worker_service="metrics")
    offices = settings.offices
    clock = settings.clock
    store = SummaryStore(runtime.redis)
    overview = Overview(store, offices, clock)
    hub = LiveHub(runtime.redis, LIVE_SCOPE, lambda _: "{}")
    lag = LagGauge(settings.kafka_bootstrap_servers, f"{settings.topic_prefix}-")
    today: list[tuple[Office, DaySummary]] = []
    follow_ups: dict[str, OpenFollowUps] = {}
    registry = CollectorRegistry()  # the public /metrics: requests (install_common) and consumer health
    registry.register(lag)
    figures = CollectorRegistry()  # every office's business figures, for the scraper role only
    figures.register(OfficeFigures(lambda: today, clock.now, lambda: follow_ups, offices.timezone))

    async def refresh_today() -> None:
        today[:] = await overview.days(offices, overview.today())
        read = await overview.follow_ups(offices)
        follow_ups.clear()
        follow_ups.update(read)

    async def measure_lag() -> None:
        await asyncio.get_running_loop().run_in_executor(None, lag.refresh)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        await hub.start()
        tasks = [
            asyncio.create_task(_every(REFRESH_S, refresh_today)),
            asyncio.create_task(_every(settings.lag_interval_s, measure_lag)),
        ]
        yield
        for task in tasks:
            task.cancel()
        await hub.stop()
        await runtime.stop()

    app = FastAPI(
        title="Visitflow metrics",
        version="1.0.0",
        lifespan=lifespan,
        description="Footfall and KPIs per office and region, the regional dashboard and its live stream.",
    )
    app.state.offices = offices
    checks = runtime.checks()
    checks["live"] = hub.ready
    checks["read_model"] = store.history_loaded  # not ready while Redis has lost the day summaries
    install_common(app, settings, registry, checks)

    @app.get(
        "/metrics/offices",
        tags=["operations"],
        summary="Every office's figures of today, for Prometheus",
        response_class=PlainTextResponse,
        dependencies=[require(Action.SCRAPE_FIGURES)],
    )
    async def office_figures() -> Response:
        return PlainTextResponse(generate_latest(figures), media_type=CONTENT_TYPE_LATEST)

    api = APIRouter(prefix="/api")

    def known_day(day: date) -> date:
        """`day`, if the history can hold it: from FIRST_DAY to tomorrow (a caller's calendar may be
        ahead of the service's clock)."""
        if not FIRST_DAY <= day <= overview.today() + timedelta(days=1):
            raise ApiError(422, "invalid_range", f"Ask for days from {FIRST_DAY} to tomorrow.")
        return day

    def day_range(first: date | None, last: date | None) -> tuple[date, date]:
        last = known_day(last or overview.today())
        first = known_day(first or max(FIRST_DAY, last - timedelta(days=27)))
        if first > last:
            raise ApiError(422, "invalid_range", "`from` must not be after `to`.")
        if (last - first).days >= settings.history_max_days:
            raise ApiError(
                422, "invalid_range", f"Ask for at most {settings.history_max_days} days at a time."
            )
        return first, last

    def csv_response(rows: list[dict[str, Any]], name: str, first: date, last: date) -> Response:
        return CsvResponse(
            as_csv(rows),
            headers={"Content-Disposition": f'attachment; filename="visitflow-{name}-{first}-{last}.csv"'},
        )

    @api.get(
        "/regions",
        summary="Regions and their offices",
        dependencies=[require(Action.LIST_OFFICES)],
    )
    async def regions() -> dict[str, Any]:
        return {
            "regions": [
                {
                    "id": region.id,
                    "name": region.name,
                    "offices": [
                        {"id": o.id, "name": o.name, "drop_in_target_per_day": o.drop_in_target_per_day}
                        for o in offices.in_region(region.id)
                    ],
                }
                for region in offices.regions.values()
            ]
        }

    @api.get(
        "/regions/{region_id}/today",
        summary="Every office of a region now, and the region's totals",
        dependencies=[require(Action.READ_REGION)],
    )
    async def region_today(region: RegionDep) -> dict[str, Any]:
        return await overview.region_today(region)

    @api.get(
        "/regions/{region_id}/stream",
        summary="Live stream (server-sent events): a snapshot, then each office's changes, and the clock",
        dependencies=[require(Action.READ_REGION)],
    )
    async def region_stream(region: RegionDep, last_event_id: LastEventId) -> EventSourceResponse:
        async def snapshot() -> ServerSentEvent:
            today = orjson.dumps(await overview.region_today(region)).decode()
            return ServerSentEvent(today, event=SNAPSHOT)

        def tick() -> ServerSentEvent:
            now = clock.now()
            body = {"now": now.isoformat(), "business_date": overview.today().isoformat()}
            return ServerSentEvent(orjson.dumps(body).decode(), event=CLOCK_FRAME)

        return live_response(_merged(hub, region.id, last_event_id, snapshot, tick, settings.live_clock_s))

    @api.get(
        "/regions/{region_id}/history",
        summary="Daily history of a region's offices",
        dependencies=[require(Action.READ_REGION)],
    )
    async def region_history(region: RegionDep, first: First = None, last: Last = None) -> dict[str, Any]:
        first, last = day_range(first, last)
        rows = await overview.history(offices.in_region(region.id), first, last)
        return {"region_id": region.id, "from": first.isoformat(), "to": last.isoformat(), "days": rows}

    @api.get(
        "/regions/{region_id}/history.csv",
        summary="Daily history of a region's offices, as CSV",
        response_class=CsvResponse,
        dependencies=[require(Action.READ_REGION)],
    )
    async def region_history_csv(region: RegionDep, first: First = None, last: Last = None) -> Response:
        first, last = day_range(first, last)
        rows = await overview.history(offices.in_region(region.id), first, last)
        return csv_response(rows, region.id, first, last)

    @api.get(
        "/regions/{region_id}/drop-in-trend",
        summary="Drop-ins against target, per week",
        dependencies=[require(Action.READ_REGION)],
    )
    async def trend(region: RegionDep, weeks: Annotated[int, Query(ge=1, le=60)] = 12) -> dict[str, Any]:
        return {"region_id": region.id, **await overview.trend(offices.in_region(region.id), weeks)}

    @api.get(
        "/offices/{office_id}/footfall",
        summary="An office's counters and KPIs for a day (default today)",
        dependencies=[require(Action.READ_OFFICE_FIGURES)],
    )
    async def footfall(office: OfficeDep, day: Day = None) -> dict[str, Any]:
        day = known_day(day or overview.today())
        ((_, summary),) = await overview.days([office], day)
        return {
            "office_id": office.id,
            "region_id": office.region_id,
            "business_date": day.isoformat(),
            "drop_in_target": office.drop_in_target_per_day,
            "counters": summary.counters,
            "kpis": kpis(summary, office),
            "live": {**live_view(summary, office), "longest_wait_s": longest_wait_s(summary, clock.now())},
        }

    @api.get(
        "/offices/{office_id}/history.csv",
        summary="An office's daily history, as CSV",
        response_class=CsvResponse,
        dependencies=[require(Action.READ_OFFICE_FIGURES)],
    )
    async def office_history_csv(office: OfficeDep, first: First = None, last: Last = None) -> Response:
        first, last = day_range(first, last)
        return csv_response(await overview.history([office], first, last), office.id, first, last)

    app.include_router(api)

    @app.get("/dashboard", include_in_schema=False, dependencies=[PUBLIC])
    async def dashboard(
        request: Request, region: Annotated[str | None, Query(pattern=r"^[a-z0-9-]{2,40}$")] = None
    ) -> FileResponse:
        if region is not None:
            await current_region(request, region)
        return FileResponse(WEB / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/dashboard/assets", StaticFiles(directory=WEB), name="dashboard-assets")
    mount_common(app)
    return app


async def _every(interval_s: float, job: Callable[[], Awaitable[None]]) -> None:
    while True:
        try:
            await job()
        except Exception:
            log.exception("background refresh failed")
        await asyncio.sleep(interval_s)


async def _merged(
    hub: LiveHub,
    region_id: str,
    last_event_id: str | None,
    snapshot: Callable[[], Awaitable[ServerSentEvent]],
    tick: Callable[[], ServerSentEvent],
    tick_s: float,
) -> AsyncIterator[Frame | ServerSentEvent]:
    """The hub's frames, and a clock frame every `tick_s` (the page shows waits by the service's clock).

    The hub has no stored region snapshot, so its placeholder is replaced by one read from the read
    model after the subscription exists: nothing published in between is lost (frames are whole office
    views, so one seen twice does no harm). The snapshot carries no id, so a reconnecting browser
    resumes from the last office frame it saw.
    """
    frames: asyncio.Queue[Frame | None] = asyncio.Queue()

    async def pump() -> None:
        try:
            async for frame in hub.subscribe(region_id, last_event_id):
                await frames.put(frame)
        finally:
            frames.put_nowait(None)

    task = asyncio.create_task(pump())
    loop = asyncio.get_running_loop()
    try:
        yield tick()
        next_tick = loop.time() + tick_s
        while True:
            if loop.time() >= next_tick:
                yield tick()
                next_tick = loop.time() + tick_s
            try:
                frame = await asyncio.wait_for(frames.get(), max(0.0, next_tick - loop.time()))
            except TimeoutError:
                continue
            if frame is None:
                return
            if frame.type == SNAPSHOT:
                yield await snapshot()
            else:
                yield frame
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
