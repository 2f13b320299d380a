"""A service's FastAPI app as all four build it: its parts started before the first request and stopped
after the last, the offices on `app.state.offices` (`deps.OfficeDep` reads them), and the edge, error
handlers, health, readiness and /metrics that every service shares (`web.install_common`). The
service's factory builds its dependencies, calls this, and includes its routers. `Every` is a part that
runs a job at an interval (a refresh)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from .settings import ServiceSettings
from .web import Check, install_common

log = logging.getLogger(__name__)


class Part(Protocol):
    """What runs beside the app's requests: the runtime's Kafka and Redis, a live hub, a refresh."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


def service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    parts: Sequence[Part],
    registry: CollectorRegistry,
    checks: Mapping[str, Check],
    phone_fields: Collection[str] = (),
    link_paths: str | None = None,
) -> FastAPI:
    """`parts` start in order and stop in reverse; `registry`, `checks`, `phone_fields` and `link_paths`
    are `install_common`'s."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        for part in parts:
            await part.start()
        yield
        for part in reversed(parts):
            await part.stop()

    app = FastAPI(title=title, version="1.0.0", lifespan=lifespan, description=description)
    app.state.offices = settings.offices
    install_common(app, settings, registry, checks, phone_fields=phone_fields, link_paths=link_paths)
    return app


class Every:
    """A job run every `interval_s` while the app runs; a failed run is logged and the next one comes."""

    def __init__(self, interval_s: float, job: Callable[[], Awaitable[None]]) -> None:
        self._interval_s, self._job = interval_s, job
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        while True:
            try:
                await self._job()
            except Exception:
                log.exception("background refresh failed")
            await asyncio.sleep(self._interval_s)
