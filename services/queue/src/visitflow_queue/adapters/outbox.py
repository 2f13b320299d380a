"""Where the queue's decisions go: Kafka (acknowledged), then the Redis read model and the waiting
APIs' answers (in one round trip)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import faust
import orjson
import redis.asyncio as aioredis
from visitflow_events import Event, encode
from visitflow_platform.live import LiveFeed, Outgoing, office_frames
from visitflow_platform.replies import add_replies

from ..domain.changes import Shown
from ..domain.changes import changes as view_changes
from .frames import SCOPE, frame, snapshot_frame


def _office_frame(state: dict[str, Any], event: Event, last: bool) -> str:
    return frame(event, state if last else None)


class KafkaRedisOutbox:
    def __init__(self, visits: faust.TopicT, redis: aioredis.Redis) -> None:
        self._visits = visits
        self.feed = LiveFeed(redis, SCOPE)
        self._shown: dict[str, Shown] = {}  # per office: what its tablets were last sent

    async def emit(self, events: list[Event]) -> None:
        pending = [await self._visits.send(key=e.office_id.encode(), value=encode(e)) for e in events]
        for sent in pending:
            await sent  # the broker's acknowledgement (acks=all)

    async def project(
        self,
        changes: Sequence[tuple[str, list[Event], dict[str, Any]]],
        replies: Sequence[tuple[str, dict[str, Any]]],
    ) -> None:
        """Each office's new events, the last carrying its new picture, for every office in one write,
        and then the answers for the APIs waiting on the batch's commands and check-ins (after the
        frames, so a host who is answered finds the change on the tablet's stream).

        The picture is sent as the changes to the one this worker last sent, or whole when it sent none
        (after a start or a failed write) or the changes cannot say it; Redis stores the whole
        snapshot either way."""
        frames: list[Outgoing] = []
        for office_id, events, view in changes:
            shown = self._shown.pop(office_id, None)  # forgotten until this write succeeds
            change = view_changes(shown, events, view) if shown is not None else None
            state = {"snapshot": view} if change is None else {"changes": change}
            frames += office_frames(office_id, events, partial(_office_frame, state), snapshot_frame(view))
        answers = [(key, orjson.dumps(payload).decode()) for key, payload in replies]
        ids = await self.feed.publish_all(frames, partial(add_replies, replies=answers) if answers else None)
        views = {office_id: view for office_id, _, view in changes}
        for outgoing, frame_id in zip(frames, ids, strict=True):
            if outgoing.snapshot is not None:
                self._shown[outgoing.office_id] = Shown.of(frame_id, views[outgoing.office_id])

    async def refresh(self, views: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Stores and pushes each office's whole snapshot afresh (the read-model healer, after Redis lost
        them); the next changes build on these."""
        frames = [Outgoing.fresh_snapshot(office_id, snapshot_frame(view)) for office_id, view in views]
        ids = await self.feed.publish_all(frames)
        for (office_id, view), frame_id in zip(views, ids, strict=True):
            self._shown[office_id] = Shown.of(frame_id, view)
