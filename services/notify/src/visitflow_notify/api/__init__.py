"""The notify API: each office's waiting-room display and counsellor alerts, and each visitor's own
page, as pages, snapshots and live streams.

`create_app` builds what the routes share (`dependencies.NotifyApi`) and includes one router per
resource: displays, counsellor alerts, and visitors' pages."""

from __future__ import annotations

import functools

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Gauge
from visitflow_platform.live import LiveHub
from visitflow_platform.pages import mount_static
from visitflow_platform.ratelimit import FixedWindow
from visitflow_platform.runtime import ApiRuntime
from visitflow_platform.service_app import service_app
from visitflow_platform.visit_links import LinkStore

from ..adapters.scopes import COUNSELLOR_SCOPE, DISPLAY_SCOPE, VISITOR_SCOPE
from ..config import NotifySettings
from ..handlers import LINK_RATE_PER_MINUTE, VisitLinks
from . import alerts, displays, visitor_pages
from .dependencies import NotifyApi, empty_counsellors, empty_display, empty_visits
from .link_refusals import LINK_PATHS, LinkRefused, refused


def create_app(settings: NotifySettings) -> FastAPI:
    runtime = ApiRuntime(settings, publishes=True, awaits_replies=True, worker_service="notify")
    visitors = LiveHub(runtime.redis, VISITOR_SCOPE, functools.partial(empty_visits, settings))
    notify = NotifyApi(
        settings=settings,
        displays=LiveHub(runtime.redis, DISPLAY_SCOPE, functools.partial(empty_display, settings)),
        counsellors=LiveHub(runtime.redis, COUNSELLOR_SCOPE, functools.partial(empty_counsellors, settings)),
        visitors=visitors,
        visit_links=VisitLinks(
            settings,
            LinkStore(runtime.redis, settings.pseudonym_secret),
            visitors,
            FixedWindow(runtime.redis, LINK_RATE_PER_MINUTE),
            runtime.publisher,
            runtime.replies,
            settings.clock,
        ),
    )
    registry = CollectorRegistry()
    Gauge("visitflow_live_clients", "Open live-stream connections", ["service"], registry=registry).labels(
        "notify"
    ).set_function(lambda: sum(hub.listeners for hub in notify.hubs))

    # the displays stay ready without Kafka (only a visitor's acts publish): its check is left out
    checks = {name: check for name, check in runtime.checks().items() if name != "kafka"}
    checks["live"] = notify.displays.ready
    app = service_app(
        settings,
        title="Visitflow notify",
        description="Waiting-room displays and notifications.",
        parts=[runtime, *notify.hubs],
        registry=registry,
        checks=checks,
        link_paths=LINK_PATHS,
    )
    app.state.notify = notify
    app.add_exception_handler(LinkRefused, refused)
    mount_static(app, displays.WEB)
    for resource in (displays, alerts, visitor_pages):
        app.include_router(resource.router)
    for resource in (visitor_pages, displays, alerts):
        app.include_router(resource.pages)
    return app
