"""The metrics API: footfall and KPIs per office and region, the region's live stream, the daily history
(JSON and CSV), every office's figures for Prometheus, and the regional dashboard page.

`create_app` builds what the routes share (`dependencies.MetricsApi`), starts the background refresh
of today's figures and of the consumer lag, and includes one router per resource: offices, regions,
the exporter and the dashboard."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry
from visitflow_platform.live import LiveHub
from visitflow_platform.pages import mount_common
from visitflow_platform.runtime import ApiRuntime
from visitflow_platform.service_app import Every, service_app

from ..adapters.exporter import OfficeFigures
from ..adapters.lag import LagGauge
from ..adapters.store import LIVE_SCOPE, SummaryStore
from ..config import MetricsSettings
from ..handlers import Overview, TodayFigures
from . import dashboard, exporter, offices, regions
from .dependencies import MetricsApi

REFRESH_S = 2.0  # how often the Prometheus figures are read from Redis


def create_app(settings: MetricsSettings) -> FastAPI:
    runtime = ApiRuntime(settings, worker_service="metrics")
    store = SummaryStore(runtime.redis)
    overview = Overview(store, settings.offices, settings.clock)
    metrics = MetricsApi(
        settings=settings,
        overview=overview,
        today=TodayFigures(overview, settings.offices),
        hub=LiveHub(runtime.redis, LIVE_SCOPE, lambda _: "{}"),
        figures=CollectorRegistry(),  # every office's business figures, for the scraper role only
    )
    lag = LagGauge(settings.kafka_bootstrap_servers, f"{settings.topic_prefix}-")
    registry = CollectorRegistry()  # the public /metrics: requests (install_common) and consumer health
    registry.register(lag)
    metrics.figures.register(
        OfficeFigures(
            lambda: metrics.today.today,
            settings.clock.now,
            lambda: metrics.today.follow_ups,
            settings.offices.timezone,
        )
    )

    async def measure_lag() -> None:
        await asyncio.get_running_loop().run_in_executor(None, lag.refresh)

    checks = runtime.checks()
    checks["live"] = metrics.hub.ready
    checks["read_model"] = store.history_loaded  # not ready while Redis has lost the day summaries
    app = service_app(
        settings,
        title="Visitflow metrics",
        description="Footfall and KPIs per office and region, the regional dashboard and its live stream.",
        parts=[
            runtime,
            metrics.hub,
            Every(REFRESH_S, metrics.today.refresh),
            Every(settings.lag_interval_s, measure_lag),
        ],
        registry=registry,
        checks=checks,
    )
    app.state.metrics = metrics
    for resource in (exporter, regions, offices, dashboard):
        app.include_router(resource.router)
    app.mount("/dashboard/assets", StaticFiles(directory=dashboard.WEB), name="dashboard-assets")
    mount_common(app)
    return app
