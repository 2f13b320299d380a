"""What one frame costs an API per open stream: a server with the platform's edge (every middleware an
API has) and its live response, N streams open from this process, one frame pushed to all of them at a
time. No Kafka, no Redis, no other service: the figure is the server process's CPU (user and system,
read from /proc) per stream per frame, the part of a fleet-wide fan-out that grows with the screens,
and the load generator's own (the bench's live clients, `bench/live.py`).

    .venv/bin/python -m bench.live_write_cost [--streams 5000] [--frames 20] [--sse-starlette]

`--sse-starlette` serves the same frames through sse-starlette's EventSourceResponse, for comparison
(docs/decisions/lean-live-streams.md). A report, not a test: nothing here fails on a number.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import aiohttp

from .live import LiveClient, LiveFleet

PATH = "/api/offices/bench/display/stream"
TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def serve(port: int, sse_starlette: bool) -> None:
    import uvicorn
    import uvloop
    from fastapi import FastAPI
    from prometheus_client import CollectorRegistry
    from visitflow_platform.auth import PUBLIC
    from visitflow_platform.live import Frame
    from visitflow_platform.settings import ServiceSettings
    from visitflow_platform.web import install_common, live_response, server_config

    settings = ServiceSettings(
        port=port, max_connections=50_000, live_streams_per_subject=50_000, log_level="WARNING"
    )
    app = FastAPI()
    install_common(app, settings, CollectorRegistry(), {})
    listeners: set[asyncio.Queue[Frame]] = set()

    async def frames() -> AsyncIterator[Frame]:
        queue: asyncio.Queue[Frame] = asyncio.Queue(256)
        listeners.add(queue)
        try:
            yield Frame("1-0", "snapshot", "{}")
            while True:
                yield await queue.get()
        finally:
            listeners.discard(queue)

    @app.get(PATH, dependencies=[PUBLIC])
    async def stream() -> object:
        if sse_starlette:
            from sse_starlette import EventSourceResponse

            return EventSourceResponse((frame.sse async for frame in frames()), ping=15)
        return live_response(frames())

    @app.get("/push/{number}", dependencies=[PUBLIC])
    async def push(number: int) -> dict[str, int]:
        frame = Frame(f"{1000 + number}-0", "VisitorCalled", '{"ticket":"A-12","room_id":"rom-01"}')
        for queue in listeners:
            queue.put_nowait(frame)
        return {"listeners": len(listeners)}

    uvloop.run(uvicorn.Server(server_config(app, settings)).serve())


def cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_S


async def measure(base: str, pid: int, streams: int, frames: int) -> tuple[float, float]:
    """The server's CPU, and this process's (the clients'), per stream per frame."""
    fleet = LiveFleet("unused")  # the route is public
    clients = [LiveClient(base + PATH, "bench") for _ in range(streams)]
    await fleet.open(clients)
    if fleet.failures:
        raise SystemExit(f"{len(fleet.failures)} streams failed: {fleet.failures[:3]}")
    await asyncio.sleep(1)
    async with aiohttp.ClientSession() as http:
        before, own_before = cpu_s(pid), time.process_time()
        for number in range(frames):
            async with http.get(f"{base}/push/{number}") as answer:
                await answer.read()
            waiting = clients
            while waiting := [c for c in waiting if len(c.frames) < number + 2]:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        spent, own = cpu_s(pid) - before, time.process_time() - own_before
    await fleet.close()
    return spent / (streams * frames), own / (streams * frames)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.live_write_cost", description=__doc__)
    parser.add_argument("--streams", type=int, default=5000)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--sse-starlette", action="store_true")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the server process
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.sse_starlette)
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "bench.live_write_cost", "--serve", str(port)]
    server = subprocess.Popen(command + (["--sse-starlette"] if args.sse_starlette else []))
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as attempt:
                if attempt.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        per_stream_s, client_s = asyncio.run(measure(base, server.pid, args.streams, args.frames))
    finally:
        server.terminate()
        server.wait()
    response = "sse-starlette's EventSourceResponse" if args.sse_starlette else "LiveStream"
    print(
        f"{response}: {per_stream_s * 1e6:.1f} µs of the server's CPU per stream per frame "
        f"({args.streams} streams, {args.frames} frames); the clients' {client_s * 1e6:.1f} µs"
    )


if __name__ == "__main__":
    main()
