"""The metrics API: footfall and KPIs per office and region, the region's live stream, the daily history
(JSON and CSV), every office's figures for Prometheus, and the regional dashboard page.

`create_app` builds what the routes share (`dependencies.MetricsApi`), starts the background refresh
of today's figures and of the consumer lag, and includes one router per resource: offices, regions,
the exporter and the dashboard."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry
from visitflow_platform.live import LiveHub
from visitflow_platform.pages import mount_common
from visitflow_platform.runtime import ApiRuntime
from visitflow_platform.web import install_common

from ..adapters.exporter import OfficeFigures
from ..adapters.lag import LagGauge
from ..adapters.overview import Overview
from ..adapters.store import LIVE_SCOPE, SummaryStore
from ..config import MetricsSettings
from . import dashboard, exporter, offices, regions
from .dependencies import MetricsApi

log = logging.getLogger(__name__)
REFRESH_S = 2.0  # how often the Prometheus figures are read from Redis


def create_app(settings: MetricsSettings) -> FastAPI:
    runtime = ApiRuntime(settings, worker_service="metrics")
    store = SummaryStore(runtime.redis)
    metrics = MetricsApi(
        settings=settings,
        overview=Overview(store, settings.offices, settings.clock),
        hub=LiveHub(runtime.redis, LIVE_SCOPE, lambda _: "{}"),
        figures=CollectorRegistry(),  # every office's business figures, for the scraper role only
    )
    lag = LagGauge(settings.kafka_bootstrap_servers, f"{settings.topic_prefix}-")
    registry = CollectorRegistry()  # the public /metrics: requests (install_common) and consumer health
    registry.register(lag)
    metrics.figures.register(
        OfficeFigures(
            lambda: metrics.today, settings.clock.now, lambda: metrics.follow_ups, settings.offices.timezone
        )
    )

    async def measure_lag() -> None:
        await asyncio.get_running_loop().run_in_executor(None, lag.refresh)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        await metrics.hub.start()
        tasks = [
            asyncio.create_task(_every(REFRESH_S, metrics.refresh_today)),
            asyncio.create_task(_every(settings.lag_interval_s, measure_lag)),
        ]
        yield
        for task in tasks:
            task.cancel()
        await metrics.hub.stop()
        await runtime.stop()

    app = FastAPI(
        title="Visitflow metrics",
        version="1.0.0",
        lifespan=lifespan,
        description="Footfall and KPIs per office and region, the regional dashboard and its live stream.",
    )
    app.state.offices = settings.offices
    app.state.metrics = metrics
    checks = runtime.checks()
    checks["live"] = metrics.hub.ready
    checks["read_model"] = store.history_loaded  # not ready while Redis has lost the day summaries
    install_common(app, settings, registry, checks)
    for resource in (exporter, regions, offices, dashboard):
        app.include_router(resource.router)
    app.mount("/dashboard/assets", StaticFiles(directory=dashboard.WEB), name="dashboard-assets")
    mount_common(app)
    return app


async def _every(interval_s: float, job: Callable[[], Awaitable[None]]) -> None:
    while True:
        try:
            await job()
        except Exception:
            log.exception("background refresh failed")
        await asyncio.sleep(interval_s)
