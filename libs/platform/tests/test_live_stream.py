"""A live stream's response (`LiveStream`), driven through its ASGI interface: each frame's bytes as they
come, a keep-alive comment when nothing else is written, and an end when the source ends, the client
goes or the server is asked to stop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import uvicorn
from fastapi import FastAPI
from sse_starlette import ServerSentEvent
from starlette.types import Message
from visitflow_platform.live import Frame
from visitflow_platform.live_stream import LiveStream
from visitflow_platform.web import end_live_streams_on_exit

CALLED = Frame("1700000000000-0", "VisitorCalled", '{"ticket":"A-12"}')


class Browser:
    def __init__(self, method: str = "GET", app: FastAPI | None = None) -> None:
        self.scope = {"type": "http", "method": method, "app": app}
        self.messages: list[Message] = []
        self.gone = asyncio.Event()
        self._asked = False

    async def receive(self) -> Message:
        if not self._asked:
            self._asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.messages.append(message)

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages if m["type"] == "http.response.body")

    @property
    def ended(self) -> bool:
        last = self.messages[-1] if self.messages else {}
        return last.get("type") == "http.response.body" and not last.get("more_body", False)

    def run(self, response: LiveStream) -> asyncio.Task[None]:
        return asyncio.create_task(response(self.scope, self.receive, self.send))


async def test_frames_are_written_as_they_come_and_the_stream_ends_with_its_source() -> None:
    async def frames() -> AsyncIterator[Frame | ServerSentEvent]:
        yield CALLED
        yield ServerSentEvent("{}", event="clock")

    browser = Browser()
    await asyncio.wait_for(browser.run(LiveStream(frames())), 2)

    start = browser.messages[0]
    assert start["status"] == 200
    headers = dict(start["headers"])
    assert headers[b"content-type"].startswith(b"text/event-stream")
    assert headers[b"cache-control"] == b"no-store"
    assert headers[b"x-accel-buffering"] == b"no"
    assert b"content-length" not in headers
    assert browser.body == CALLED.sse + b"event: clock\r\ndata: {}\r\n\r\n"
    assert browser.ended


async def test_a_quiet_stream_gets_a_keep_alive_comment() -> None:
    async def quiet() -> AsyncIterator[Frame]:
        yield CALLED
        await asyncio.Event().wait()

    browser = Browser()
    task = browser.run(LiveStream(quiet(), ping_s=0.05))
    await asyncio.sleep(0.2)
    browser.gone.set()
    await asyncio.wait_for(task, 2)

    assert browser.body.startswith(CALLED.sse + b": ping\r\n\r\n")


async def test_the_stream_ends_as_soon_as_its_client_goes_and_its_source_is_closed() -> None:
    closed = asyncio.Event()

    async def endless() -> AsyncIterator[Frame]:
        try:
            yield CALLED
            await asyncio.Event().wait()
        finally:
            closed.set()

    browser = Browser()
    task = browser.run(LiveStream(endless()))
    await asyncio.sleep(0.05)
    browser.gone.set()
    await asyncio.wait_for(task, 2)

    assert closed.is_set()
    assert browser.body == CALLED.sse


async def test_every_stream_ends_when_the_server_is_asked_to_stop() -> None:
    app = FastAPI()
    app.state.live_streams_ending = asyncio.Event()

    async def endless() -> AsyncIterator[Frame]:
        yield CALLED
        await asyncio.Event().wait()

    browsers = [Browser(app=app) for _ in range(3)]
    tasks = [browser.run(LiveStream(endless())) for browser in browsers]
    await asyncio.sleep(0.05)
    server = uvicorn.Server(uvicorn.Config(app))
    watcher = asyncio.create_task(end_live_streams_on_exit(app, server))
    server.should_exit = True
    await asyncio.wait_for(asyncio.gather(*tasks, watcher), 2)

    assert all(browser.ended and browser.body == CALLED.sse for browser in browsers)


async def test_head_gets_the_headers_and_no_stream() -> None:
    touched = False

    async def frames() -> AsyncIterator[Frame]:
        nonlocal touched
        touched = True
        yield CALLED

    browser = Browser("HEAD")
    await asyncio.wait_for(browser.run(LiveStream(frames())), 2)

    assert browser.messages[0]["status"] == 200
    assert browser.body == b""
    assert browser.ended
    assert not touched
