"""The worker's side of the notifications topic: requests and outcomes, keyed by office."""

from __future__ import annotations

from collections.abc import Sequence

import faust
from visitflow_events import Message, encode


class NotificationTopic:
    def __init__(self, topic: faust.TopicT) -> None:
        self._topic = topic

    async def record(self, messages: Sequence[Message]) -> None:
        """Sends every message, then waits until each is acknowledged."""
        sent = [await self._topic.send(key=m.office_id.encode(), value=encode(m)) for m in messages]
        for acknowledged in sent:
            await acknowledged
