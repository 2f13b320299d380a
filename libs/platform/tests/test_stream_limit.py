"""Live streams per token subject: the platform's middleware (installed by `install_common`) lets each
subject hold `VISITFLOW_LIVE_STREAMS_PER_SUBJECT` streams open at once, refuses the next with 429, and
counts a stream as closed as soon as its client goes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from sse_starlette import ServerSentEvent
from starlette.types import Message
from visitflow_platform.access import Role
from visitflow_platform.auth import PUBLIC, issue_token
from visitflow_platform.settings import ServiceSettings
from visitflow_platform.web import install_common, live_response

LIMIT = 3


class Client:
    """One browser's stream, driven through the app's ASGI interface."""

    def __init__(self, app: FastAPI, token: str | None, path: str = "/api/offices/halden/display/stream"):
        self.gone = asyncio.Event()
        self.status: int | None = None
        self.headers: dict[bytes, bytes] = {}
        self.body = b""
        self.started = asyncio.Event()
        headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8103),
        }
        self.task = asyncio.create_task(app(scope, self._receive, self._send))

    async def _receive(self) -> Message:
        if not self.started.is_set():
            self.started.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = dict(message["headers"])
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")

    async def answered(self) -> int:
        for _ in range(200):
            if self.status is not None:
                return self.status
            await asyncio.sleep(0.01)
        raise AssertionError("no answer")

    async def leave(self) -> None:
        self.gone.set()
        await asyncio.wait_for(self.task, 5)


def _app(settings: ServiceSettings) -> FastAPI:
    app = FastAPI()
    install_common(app, settings, CollectorRegistry(), {})

    async def frames() -> AsyncIterator[ServerSentEvent]:
        yield ServerSentEvent("{}", event="snapshot")
        await asyncio.Event().wait()  # a live stream: it ends when the client goes

    @app.get("/api/offices/{office_id}/display/stream", dependencies=[PUBLIC])
    async def stream(office_id: str) -> Any:
        return live_response(frames())

    return app


async def test_a_subject_may_hold_its_limit_of_streams_and_the_next_gets_429_until_one_closes() -> None:
    settings = ServiceSettings(live_streams_per_subject=LIMIT)
    app = _app(settings)
    screen = issue_token(settings, Role.DISPLAY, "screen-1", ("halden",))
    other = issue_token(settings, Role.DISPLAY, "screen-2", ("halden",))

    open_streams = [Client(app, screen) for _ in range(LIMIT)]
    assert [await client.answered() for client in open_streams] == [200] * LIMIT

    refused = Client(app, screen)
    assert await refused.answered() == 429
    await asyncio.wait_for(refused.task, 5)
    assert refused.headers[b"retry-after"].isdigit()
    assert orjson.loads(refused.body)["error"] == "too_many_streams"
    assert await Client(app, other).answered() == 200  # another subject is not affected

    await open_streams[0].leave()
    again = Client(app, screen)
    assert await again.answered() == 200
    for client in [*open_streams[1:], again]:
        await client.leave()


async def test_requests_without_a_valid_token_are_not_counted() -> None:
    settings = ServiceSettings(live_streams_per_subject=1)
    app = _app(settings)
    anonymous = [Client(app, None) for _ in range(3)]  # the real routes answer these with 401
    assert [await client.answered() for client in anonymous] == [200] * 3
    forged = [Client(app, "not-a-token") for _ in range(3)]
    assert 429 not in [await client.answered() for client in forged]
    for client in anonymous + forged:
        await client.leave()
