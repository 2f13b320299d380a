"""Regions: their offices, every office of a region now and live, the daily history (JSON and CSV) and
the drop-in trend."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import Response
from sse_starlette import ServerSentEvent
from visitflow_platform.access import Action
from visitflow_platform.auth import require
from visitflow_platform.deps import LastEventId
from visitflow_platform.live import SNAPSHOT, Frame, LiveHub
from visitflow_platform.live_stream import LiveStream
from visitflow_platform.web import live_response

from .dependencies import CsvResponse, First, Last, Metrics, RegionDep, csv_response

CLOCK_FRAME = "clock"

router = APIRouter(prefix="/api")


@router.get(
    "/regions",
    summary="Regions and their offices",
    dependencies=[require(Action.LIST_OFFICES)],
)
async def regions(api: Metrics) -> dict[str, Any]:
    offices = api.settings.offices
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


@router.get(
    "/regions/{region_id}/today",
    summary="Every office of a region now, and the region's totals",
    dependencies=[require(Action.READ_REGION)],
)
async def region_today(region: RegionDep, api: Metrics) -> dict[str, Any]:
    return await api.overview.region_today(region)


@router.get(
    "/regions/{region_id}/stream",
    summary="Live stream (server-sent events): a snapshot, then each office's changes, and the clock",
    dependencies=[require(Action.READ_REGION)],
)
async def region_stream(region: RegionDep, api: Metrics, last_event_id: LastEventId) -> LiveStream:
    async def snapshot() -> ServerSentEvent:
        today = orjson.dumps(await api.overview.region_today(region)).decode()
        return ServerSentEvent(today, event=SNAPSHOT)

    def tick() -> ServerSentEvent:
        now = api.settings.clock.now()
        body = {"now": now.isoformat(), "business_date": api.overview.today().isoformat()}
        return ServerSentEvent(orjson.dumps(body).decode(), event=CLOCK_FRAME)

    live_clock_s = api.settings.live_clock_s
    return live_response(_merged(api.hub, region.id, last_event_id, snapshot, tick, live_clock_s))


@router.get(
    "/regions/{region_id}/history",
    summary="Daily history of a region's offices",
    dependencies=[require(Action.READ_REGION)],
)
async def region_history(
    region: RegionDep, api: Metrics, first: First = None, last: Last = None
) -> dict[str, Any]:
    first, last = api.day_range(first, last)
    rows = await api.overview.history(api.settings.offices.in_region(region.id), first, last)
    return {"region_id": region.id, "from": first.isoformat(), "to": last.isoformat(), "days": rows}


@router.get(
    "/regions/{region_id}/history.csv",
    summary="Daily history of a region's offices, as CSV",
    response_class=CsvResponse,
    dependencies=[require(Action.READ_REGION)],
)
async def region_history_csv(
    region: RegionDep, api: Metrics, first: First = None, last: Last = None
) -> Response:
    first, last = api.day_range(first, last)
    rows = await api.overview.history(api.settings.offices.in_region(region.id), first, last)
    return csv_response(rows, region.id, first, last)


@router.get(
    "/regions/{region_id}/drop-in-trend",
    summary="Drop-ins against target, per week",
    dependencies=[require(Action.READ_REGION)],
)
async def trend(
    region: RegionDep, api: Metrics, weeks: Annotated[int, Query(ge=1, le=60)] = 12
) -> dict[str, Any]:
    offices = api.settings.offices.in_region(region.id)
    return {"region_id": region.id, **await api.overview.trend(offices, weeks)}


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
