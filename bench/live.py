"""Live-stream clients for the benchmarks: many server-sent-event connections from one process.

Each client records when each frame arrived (perf_counter) and, when asked to, the frame's data. The
office's snapshot (the first frame) marks the client as connected.

A client is a bare asyncio protocol on its own socket: HTTP/1.1, the chunked body and the event stream
parsed by hand, one callback per read and no task of its own. The load generator shares the cores it
measures, and an HTTP client library's stack (a task per stream, a line reader, a response object)
cost it 0.8 to 1.9 s of CPU per fleet-wide call with 10,000 streams open, taken from the servers it
timed (docs/decisions/lean-live-streams.md).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Frame:
    type: str
    at: float
    data: bytes = b""
    id: str = ""

    @property
    def stored_wall_s(self) -> float | None:
        """When Redis stored the frame (wall clock, seconds): a live frame's id is its Redis stream id,
        which starts with Redis's clock in milliseconds, the same clock as ours on one machine."""
        ms, _, _ = self.id.partition("-")
        return int(ms) / 1000 if ms.isdigit() and ms != "0" else None


@dataclass(eq=False)
class LiveClient(asyncio.Protocol):
    url: str
    office_id: str
    keep_data: bool = False
    frames: list[Frame] = field(default_factory=list)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    failed: str | None = None

    def __post_init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._head: bytes | None = b""  # None once the response's head is read
        self._raw = b""  # chunked body not yet decoded
        self._events = b""  # decoded event-stream text not yet a whole event
        self._closing = False

    async def run(self, headers: dict[str, str]) -> None:
        """Opens the connection and sends the request; frames are then handled as they arrive."""
        parts = urlsplit(self.url)
        try:
            loop = asyncio.get_running_loop()
            await loop.create_connection(lambda: self, parts.hostname or "127.0.0.1", parts.port or 80)
        except OSError as exc:
            self._fail(repr(exc))
            return
        lines = [f"GET {parts.path} HTTP/1.1", f"Host: {parts.netloc}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        assert self._transport is not None
        self._transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def close(self) -> None:
        self._closing = True
        if self._transport is not None:
            self._transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._closing:
            self._fail(repr(exc) if exc else "the server ended the stream")

    def data_received(self, data: bytes) -> None:
        if self._head is not None:
            head = self._head + data
            end = head.find(b"\r\n\r\n")
            if end < 0:
                self._head = head
                return
            status_line, *header_lines = head[:end].split(b"\r\n")
            status = status_line.split(b" ", 2)[1]
            chunked = any(
                line.lower().replace(b" ", b"") == b"transfer-encoding:chunked" for line in header_lines
            )
            if status != b"200" or not chunked:
                self._fail(f"HTTP {status.decode()}" if status != b"200" else "not a chunked stream")
                self.close()
                return
            self._head, data = None, head[end + 4 :]
        self._raw += data
        self._dechunk()
        if b"\r\n\r\n" in self._events:
            self._take_events(time.perf_counter())

    def _dechunk(self) -> None:
        raw, at = self._raw, 0
        while True:
            line_end = raw.find(b"\r\n", at)
            if line_end < 0:
                break
            size = int(raw[at:line_end].split(b";", 1)[0], 16)
            if size == 0:  # the last chunk: the server ended the stream
                self._fail("the server ended the stream")
                self.close()
                break
            start = line_end + 2
            if len(raw) < start + size + 2:
                break
            self._events += raw[start : start + size]
            at = start + size + 2
        self._raw = raw[at:]

    def _take_events(self, now: float) -> None:
        """The whole events received so far; the server separates lines with CRLF (sse-starlette's and
        the platform's default), and comments (the keep-alive pings) are not frames."""
        *whole, self._events = self._events.split(b"\r\n\r\n")
        for block in whole:
            event, data, frame_id = "", b"", ""
            for line in block.split(b"\r\n"):
                name, _, value = line.partition(b":")
                value = value[1:] if value.startswith(b" ") else value
                if name == b"event":
                    event = value.decode()
                elif name == b"data":
                    data = value if self.keep_data else b""
                elif name == b"id":
                    frame_id = value.decode()
            if event:
                self.frames.append(Frame(event, now, data, frame_id))
                self.connected.set()

    def _fail(self, reason: str) -> None:
        if self.failed is None:
            self.failed = reason
        self.connected.set()  # connected, or failed: either way nobody waits for it any longer


class LiveFleet:
    """Many clients at once; opened in batches so the server's accept queue is never flooded."""

    def __init__(self, token: str) -> None:
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        self.clients: list[LiveClient] = []

    async def open(self, clients: list[LiveClient], batch: int = 250, timeout_s: float = 120) -> None:
        self.clients += clients
        for start in range(0, len(clients), batch):
            chunk = clients[start : start + batch]
            async with asyncio.timeout(timeout_s):
                await asyncio.gather(*(client.run(self._headers) for client in chunk))
                await asyncio.gather(*(client.connected.wait() for client in chunk))

    @property
    def failures(self) -> list[str]:
        return [client.failed for client in self.clients if client.failed]

    async def close(self) -> None:
        for client in self.clients:
            client.close()
        await asyncio.sleep(0.1)  # the transports close on the loop's next turns
        self.clients.clear()
