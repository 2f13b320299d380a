"""Where the queue's decisions go: Kafka (acknowledged), the Redis read model, and the waiting API."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import faust
import orjson
import redis.asyncio as aioredis
from visitflow_events import Event, as_dict, encode
from visitflow_platform.live import LiveFeed, office_frames
from visitflow_platform.replies import send_replies

SCOPE = "queue"


def snapshot_frame(view: dict[str, Any]) -> str:
    """The snapshot as stored and as first sent to a new listener."""
    return orjson.dumps({"snapshot": view}).decode()


def frame(event: Event, view: dict[str, Any] | None) -> str:
    body: dict[str, Any] = {"event": as_dict(event)}
    if view is not None:
        body["snapshot"] = view
    return orjson.dumps(body).decode()


def _office_frame(view: dict[str, Any], event: Event, last: bool) -> str:
    """A batch's frames for one office: the last carries the snapshot after them all."""
    return frame(event, view if last else None)


class KafkaRedisOutbox:
    def __init__(self, visits: faust.TopicT, redis: aioredis.Redis) -> None:
        self._visits = visits
        self._redis = redis
        self.feed = LiveFeed(redis, SCOPE)

    async def emit(self, events: list[Event]) -> None:
        pending = [await self._visits.send(key=e.office_id.encode(), value=encode(e)) for e in events]
        for sent in pending:
            await sent  # the broker's acknowledgement (acks=all)

    async def project(self, changes: Sequence[tuple[str, list[Event], dict[str, Any]]]) -> None:
        """Each office's new events, the last carrying its snapshot, for every office in one write."""
        frames = [
            outgoing
            for office_id, events, view in changes
            for outgoing in office_frames(
                office_id, events, partial(_office_frame, view), snapshot_frame(view)
            )
        ]
        await self.feed.publish_all(frames)

    async def reply(self, replies: list[tuple[str, dict[str, Any]]]) -> None:
        await send_replies(self._redis, [(key, orjson.dumps(payload).decode()) for key, payload in replies])
