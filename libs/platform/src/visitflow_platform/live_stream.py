"""A live stream's HTTP response: server-sent events written with the least work per frame.

A call in every office reaches every screen of the fleet at once, so what a stream does per frame is
multiplied by the screens open in the process. sse-starlette's response (a cancel scope, an encoding
step and a debug log per frame, four tasks per stream) cost about twice as much per screen as writing
the frame; here a frame's bytes, encoded once for all its listeners (`Frame.sse`), go straight to
`send`. The stream keeps what sse-starlette's did: a keep-alive comment every 15 s, the end of the
stream as soon as its client goes (the stream limit counts it closed at once), and the end of every
stream as soon as the server is asked to stop, not after its graceful-shutdown timeout
(docs/decisions/lean-live-streams.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable

import anyio
from sse_starlette import ServerSentEvent
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from .live import Frame

PING_S = 15.0
# a comment line: EventSource ignores it; proxies and load balancers see a live connection
PING: Message = {"type": "http.response.body", "body": b": ping\r\n\r\n", "more_body": True}
HEADERS = {"Cache-Control": "no-store", "Connection": "keep-alive", "X-Accel-Buffering": "no"}
END: Message = {"type": "http.response.body", "body": b"", "more_body": False}


def streams_ending(scope: Scope) -> asyncio.Event | None:
    """The app's signal that the server is stopping (set by `web.serve`), if it has one."""
    app = scope.get("app")
    state = getattr(app, "state", None)
    return getattr(state, "live_streams_ending", None)


class LiveStream(Response):
    media_type = "text/event-stream"

    def __init__(self, events: AsyncIterable[Frame | ServerSentEvent], ping_s: float = PING_S) -> None:
        self.events, self.ping_s = events, ping_s
        self.status_code = 200
        self.background = None
        self.init_headers(HEADERS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        if scope["method"] == "HEAD":  # the headers a GET would have, and no stream
            await send(END)
            return
        client_gone = False
        async with anyio.create_task_group() as group:
            group.start_soon(self._stream, send, group.cancel_scope)
            group.start_soon(self._ping, send, streams_ending(scope), group.cancel_scope)
            while (await receive())["type"] != "http.disconnect":
                pass
            client_gone = True
            group.cancel_scope.cancel()
        if not client_gone:
            await send(END)

    async def _stream(self, send: Send, scope: anyio.CancelScope) -> None:
        async for event in self.events:
            body = event.sse if isinstance(event, Frame) else event.encode()
            await send({"type": "http.response.body", "body": body, "more_body": True})
        scope.cancel()  # the source ended (the hub stopped, or dropped this listener): so does the stream

    async def _ping(self, send: Send, ending: asyncio.Event | None, scope: anyio.CancelScope) -> None:
        while True:
            if ending is None:
                await anyio.sleep(self.ping_s)
            else:
                with anyio.move_on_after(self.ping_s):
                    await ending.wait()
                    scope.cancel()
                    return
            await send(PING)
