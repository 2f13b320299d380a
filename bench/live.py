"""Live-stream clients for the benchmarks: many server-sent-event connections from one process.

Each client records when each frame arrived (perf_counter) and, when asked to, the frame's data. The
office's snapshot (the first frame) marks the client as connected.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp


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


@dataclass
class LiveClient:
    url: str
    office_id: str
    keep_data: bool = False
    frames: list[Frame] = field(default_factory=list)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    failed: str | None = None
    on_frame: Callable[[LiveClient, Frame], None] | None = None

    async def run(self, session: aiohttp.ClientSession, headers: dict[str, str]) -> None:
        try:
            async with session.get(self.url, headers=headers) as response:
                if response.status != 200:
                    self.failed = f"HTTP {response.status}"
                    return
                event, data, frame_id = "message", b"", ""
                async for raw in response.content:
                    line = raw.rstrip(b"\r\n")
                    if line.startswith(b"id:"):
                        frame_id = line[3:].strip().decode()
                    elif line.startswith(b"event:"):
                        event = line[6:].strip().decode()
                    elif line.startswith(b"data:"):
                        data = line[5:].strip() if self.keep_data else b""
                    elif not line and event:
                        frame = Frame(event, time.perf_counter(), data, frame_id)
                        self.frames.append(frame)
                        self.connected.set()
                        if self.on_frame is not None:
                            self.on_frame(self, frame)
                        event, data, frame_id = "", b"", ""
                self.failed = "the server ended the stream"
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            self.failed = repr(exc)
        finally:
            self.connected.set()  # connected, or failed: either way nobody waits for it any longer


class LiveFleet:
    """Many clients at once; opened in batches so the server's accept queue is never flooded."""

    def __init__(self, token: str) -> None:
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        connector = aiohttp.TCPConnector(limit=0, force_close=False, enable_cleanup_closed=True)
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=None, sock_connect=30)
        )
        self._tasks: list[asyncio.Task[None]] = []
        self.clients: list[LiveClient] = []

    async def open(self, clients: list[LiveClient], batch: int = 250, timeout_s: float = 120) -> None:
        for start in range(0, len(clients), batch):
            chunk = clients[start : start + batch]
            for client in chunk:
                self._tasks.append(asyncio.create_task(client.run(self._session, self._headers)))
            async with asyncio.timeout(timeout_s):
                await asyncio.gather(*(client.connected.wait() for client in chunk))
        self.clients += clients

    @property
    def failures(self) -> list[str]:
        return [client.failed for client in self.clients if client.failed]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._session.close()
        self._tasks.clear()
        self.clients.clear()
