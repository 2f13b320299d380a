"""The queue API: waiting lists and rooms, host commands, and a live stream per office.

`create_app` builds what the routes share (`dependencies.QueueApi`) and includes one router per
resource: the waiting list and its stream, the host commands on visits, rooms, visit links, and the
tablet's page."""

from __future__ import annotations

import functools

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Gauge
from visitflow_platform.live import LiveHub
from visitflow_platform.pages import mount_npm, mount_static
from visitflow_platform.runtime import ApiRuntime
from visitflow_platform.service_app import service_app
from visitflow_platform.visit_links import LinkStore

from ..adapters.frames import SCOPE
from ..config import QueueSettings
from ..handlers import HostCommands
from . import commands, rooms, tablet, visit_links, waiting_list
from .dependencies import QueueApi, empty_picture


def create_app(settings: QueueSettings) -> FastAPI:
    runtime = ApiRuntime(settings, publishes=True, awaits_replies=True, worker_service="queue")
    registry = CollectorRegistry()
    empty = functools.cache(functools.partial(empty_picture, settings))
    counted = Counter(  # no office label: per-office figures are the metrics service's alone
        "visitflow_queue_commands",
        "Host commands by type and result",
        ["command", "result"],
        registry=registry,
    )
    queue = QueueApi(
        settings=settings,
        runtime=runtime,
        empty=empty,
        hub=LiveHub(runtime.redis, SCOPE, empty),
        links=LinkStore(runtime.redis, settings.pseudonym_secret),
        commands=HostCommands(
            publisher=runtime.publisher,
            replies=runtime.replies,
            topic=settings.topics.commands,
            producer=settings.service_name,
            zone=settings.offices.timezone,
            timeout_s=settings.reply_timeout_s,
            counted=lambda command, result: counted.labels(command, result).inc(),
        ),
    )
    Gauge("visitflow_live_clients", "Open live-stream connections", ["service"], registry=registry).labels(
        "queue"
    ).set_function(lambda: queue.hub.listeners)

    checks = runtime.checks()
    checks["live"] = queue.hub.ready
    checks["read_model"] = queue.read_model_whole
    app = service_app(
        settings,
        title="Visitflow queue",
        description="Live waiting lists, rooms and host commands per office.",
        parts=[runtime, queue.hub],
        registry=registry,
        checks=checks,
    )
    app.state.queue = queue
    for resource in (waiting_list, commands, visit_links, rooms):
        app.include_router(resource.router)
    mount_static(app, tablet.WEB)
    mount_npm(app, settings.web_modules_dir, "qrcode-generator", "dist")  # the visitor link's QR code
    app.include_router(tablet.router)
    return app
