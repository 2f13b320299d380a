"""The queue API: waiting lists and rooms, host commands, and a live stream per office.

`create_app` builds what the routes share (`dependencies.QueueApi`) and includes one router per
resource: the waiting list and its stream, the host commands on visits, rooms, visit links, and the
tablet's page."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Gauge
from visitflow_platform.live import LiveHub
from visitflow_platform.pages import mount_npm, mount_static
from visitflow_platform.runtime import ApiRuntime
from visitflow_platform.visit_links import LinkStore
from visitflow_platform.web import install_common

from ..adapters.frames import SCOPE
from ..config import QueueSettings
from . import commands, rooms, tablet, visit_links, waiting_list
from .dependencies import QueueApi, empty_picture


def create_app(settings: QueueSettings) -> FastAPI:
    runtime = ApiRuntime(settings, publishes=True, awaits_replies=True, worker_service="queue")
    registry = CollectorRegistry()
    empty = functools.cache(functools.partial(empty_picture, settings))
    queue = QueueApi(
        settings=settings,
        runtime=runtime,
        empty=empty,
        hub=LiveHub(runtime.redis, SCOPE, empty),
        links=LinkStore(runtime.redis, settings.pseudonym_secret),
        commands_total=Counter(  # no office label: per-office figures are the metrics service's alone
            "visitflow_queue_commands",
            "Host commands by type and result",
            ["command", "result"],
            registry=registry,
        ),
    )
    Gauge("visitflow_live_clients", "Open live-stream connections", ["service"], registry=registry).labels(
        "queue"
    ).set_function(lambda: queue.hub.listeners)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        await queue.hub.start()
        yield
        await queue.hub.stop()
        await runtime.stop()

    app = FastAPI(
        title="Visitflow queue",
        version="1.0.0",
        lifespan=lifespan,
        description="Live waiting lists, rooms and host commands per office.",
    )
    app.state.offices = settings.offices
    app.state.queue = queue
    checks = runtime.checks()
    checks["live"] = queue.hub.ready
    checks["read_model"] = queue.read_model_whole
    install_common(app, settings, registry, checks)
    for resource in (waiting_list, commands, visit_links, rooms):
        app.include_router(resource.router)
    mount_static(app, tablet.WEB)
    mount_npm(app, settings.web_modules_dir, "qrcode-generator", "dist")  # the visitor link's QR code
    app.include_router(tablet.router)
    return app
