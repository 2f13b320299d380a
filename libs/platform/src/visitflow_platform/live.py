"""Live streams per office, on Redis: a snapshot, a short history (its last two minutes, a Redis stream) and
a push channel.

The writer (a worker) stores each frame with one Lua call, so the snapshot, the history and the push
always agree; a batch's frames, of every office it touched, go in one pipelined round trip. The
reader (an API) holds one pattern subscription for the whole process and fans each frame out to the
browsers of that office. A client that reconnects with Last-Event-ID gets what it missed from the
history, or a fresh snapshot when the history no longer reaches back that far: it never shows a
stale frame as current.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline

from .subscription import Subscription

_PUBLISH = """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'type', ARGV[2], 'data', ARGV[3])
local now_ms = tonumber(string.match(id, '^(%d+)'))
redis.call('XTRIM', KEYS[1], 'MINID', string.format('%.0f', now_ms - tonumber(ARGV[5])))
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], 'id', id, 'data', ARGV[4]) end
redis.call('PUBLISH', KEYS[3], id .. '\\n' .. ARGV[2] .. '\\n' .. ARGV[3])
return id
"""
HISTORY = 2000
# How far back a reconnecting screen is replayed what it missed; after longer it gets the snapshot. A
# display announces replayed calls, so the window is a blip's, not an outage's; it also bounds Redis's
# memory for a busy day (docs/decisions/live-streams-resume.md).
HISTORY_S = 120.0
E = TypeVar("E")
SNAPSHOT = "snapshot"


@dataclass(frozen=True)
class Outgoing:
    """A frame to publish; `snapshot`, when given, replaces the office's stored snapshot."""

    office_id: str
    type: str
    data: str
    snapshot: str | None = None

    @classmethod
    def fresh_snapshot(cls, office_id: str, snapshot: str) -> Outgoing:
        """A snapshot sent as a frame of its own and stored (after a rebuild, or by the healer)."""
        return cls(office_id, SNAPSHOT, snapshot, snapshot)


def office_frames(
    office_id: str, events: Sequence[E], render: Callable[[E, bool], str], snapshot: str
) -> list[Outgoing]:
    """An office's frames for a batch's events, in order: each named after its event's type (a
    message's `type` is its class name) and rendered by `render(event, is_last)`; the last one also
    replaces the office's stored snapshot."""
    last = len(events) - 1
    return [
        Outgoing(
            office_id, type(event).__name__, render(event, index == last), snapshot if index == last else None
        )
        for index, event in enumerate(events)
    ]


@dataclass(frozen=True)
class Frame:
    id: str
    type: str
    data: str

    @cached_property
    def sse(self) -> bytes:
        """The frame as a server-sent event, encoded once for all the listeners it is fanned out to
        (with thousands of screens open, encoding it per listener was a large share of a fan-out)."""
        # imported here: the workers use this module too, and never serve a stream (0.1 s of start-up)
        from sse_starlette import ServerSentEvent

        return ServerSentEvent(self.data, event=self.type, id=self.id).encode()

    @cached_property
    def order(self) -> tuple[int, int]:
        """Where the frame stands in its office's history, read once for all its listeners."""
        return _order(self.id)


def _order(frame_id: str) -> tuple[int, int]:
    ms, _, seq = frame_id.partition("-")
    return int(ms), int(seq or 0)


class LiveKeys:
    def __init__(self, scope: str) -> None:
        self.scope = scope

    def stream(self, office_id: str) -> str:
        return f"vf:{self.scope}:{office_id}:history"

    def snapshot(self, office_id: str) -> str:
        return f"vf:{self.scope}:{office_id}:snapshot"

    def channel(self, office_id: str) -> str:
        return f"vf:{self.scope}:{office_id}:live"

    @property
    def pattern(self) -> str:
        return f"vf:{self.scope}:*:live"

    def office_of(self, channel: str) -> str:
        return channel.split(":")[2]


class LiveFeed:
    """Write side: one call stores the frame, updates the snapshot and pushes to every listener."""

    def __init__(self, redis: aioredis.Redis, scope: str, history_s: float = HISTORY_S) -> None:
        self._redis = redis
        self.keys = LiveKeys(scope)
        self._history_ms = round(history_s * 1000)

    async def publish(self, office_id: str, frame_type: str, data: str, snapshot: str | None = None) -> str:
        (frame_id,) = await self.publish_all([Outgoing(office_id, frame_type, data, snapshot)])
        return frame_id

    async def publish_all(
        self, frames: Sequence[Outgoing], then: Callable[[Pipeline], None] | None = None
    ) -> list[str]:
        """Publishes frames in order, in one round trip: under load a worker's batch touches many
        offices, and a round trip each (waiting for Redis to be scheduled on a busy machine) was what
        limited a worker's throughput. `then` adds the caller's own writes to the same round trip,
        after the frames. EVAL rather than EVALSHA: Redis caches the compiled script either way, and a
        pipeline of EVALSHA would first ask whether the script is loaded."""
        if not frames and then is None:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            self.add(pipe, frames)
            if then is not None:
                then(pipe)
            results = await pipe.execute()
        return [r.decode() if isinstance(r, bytes) else str(r) for r in results[: len(frames)]]

    def add(self, pipe: Pipeline, frames: Sequence[Outgoing]) -> None:
        """Puts the frames' publishing, in order, on a pipeline the caller sends (with other feeds' of
        the same Redis: one round trip for all of a batch's feeds)."""
        keys = self.keys
        for frame in frames:
            office = frame.office_id
            pipe.eval(
                _PUBLISH,
                3,
                keys.stream(office),
                keys.snapshot(office),
                keys.channel(office),
                HISTORY,
                frame.type,
                frame.data,
                frame.snapshot or "",
                self._history_ms,
            )

    async def reset(self, office_ids: Sequence[str]) -> None:
        """Forgets these offices' history and snapshot (before they are written afresh)."""
        if office_ids:
            await self._redis.delete(
                *(key(o) for o in office_ids for key in (self.keys.stream, self.keys.snapshot))
            )


class LiveHub:
    """Read side: one Redis subscription per process, fanned out to every browser of each office."""

    def __init__(
        self, redis: aioredis.Redis, scope: str, empty_snapshot: Callable[[str], str], queue_size: int = 256
    ) -> None:
        self._redis = redis
        self.keys = LiveKeys(scope)
        self._empty_snapshot = empty_snapshot
        self._queue_size = queue_size
        self._listeners: dict[str, set[asyncio.Queue[Frame | None]]] = defaultdict(set)
        # lost (Redis restarted or wiped): every listener is cut off and resynchronises on reconnect
        self._subscription = Subscription(
            redis, self.keys.pattern, self._dispatch, pattern=True, on_lost=self._drop_all, name="live"
        )
        self.subscribed = self._subscription.subscribed

    async def ready(self) -> bool:
        """Subscribed to Redis, so a frame published now reaches this process's listeners."""
        return self.subscribed.is_set()

    @property
    def listeners(self) -> int:
        return sum(len(queues) for queues in self._listeners.values())

    async def start(self) -> None:
        await self._subscription.start()

    async def stop(self) -> None:
        await self._subscription.stop()
        for queues in self._listeners.values():
            for queue in queues:
                queue.put_nowait(None)

    def _dispatch(self, channel: bytes | str, payload: bytes | str) -> None:
        channel = channel.decode() if isinstance(channel, bytes) else channel
        text = payload.decode() if isinstance(payload, bytes) else payload
        frame_id, frame_type, data = text.split("\n", 2)
        frame = Frame(frame_id, frame_type, data)
        for queue in list(self._listeners.get(self.keys.office_of(channel), ())):
            try:
                queue.put_nowait(frame)
            except asyncio.QueueFull:  # too slow: cut it off, it resumes from its last id
                self._listeners[self.keys.office_of(channel)].discard(queue)
                queue.put_nowait(None) if not queue.full() else None

    def _drop_all(self) -> None:
        for queues in self._listeners.values():
            for queue in queues:
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(None)
            queues.clear()

    async def snapshot(self, office_id: str) -> Frame:
        stored = await self._redis.hgetall(self.keys.snapshot(office_id))
        if stored:
            return Frame(stored[b"id"].decode(), SNAPSHOT, stored[b"data"].decode())
        return Frame("0-0", SNAPSHOT, self._empty_snapshot(office_id))

    async def _missed(self, office_id: str, last_id: str) -> list[Frame] | None:
        """Frames after `last_id`, or None when the history no longer reaches back to it."""
        stream = self.keys.stream(office_id)
        first = await self._redis.xrange(stream, count=1)
        if not first or _order(first[0][0].decode()) > _order(last_id):
            return None
        entries = await self._redis.xrange(stream, min=f"({last_id}")
        return [Frame(i.decode(), f[b"type"].decode(), f[b"data"].decode()) for i, f in entries]

    async def subscribe(self, office_id: str, last_event_id: str | None = None) -> AsyncIterator[Frame]:
        queue: asyncio.Queue[Frame | None] = asyncio.Queue(self._queue_size)
        self._listeners[office_id].add(queue)  # before reading history, so nothing falls in between
        try:
            missed = None
            if last_event_id:
                with contextlib.suppress(ValueError):
                    missed = await self._missed(office_id, last_event_id)
            frames = missed if missed is not None else [await self.snapshot(office_id)]
            last = (0, 0)
            for frame in frames:
                last = frame.order
                yield frame
            while (pushed := await queue.get()) is not None:
                if pushed.order > last:
                    last = pushed.order
                    yield pushed
        finally:
            self._listeners[office_id].discard(queue)
