"""What the queue worker's use case is given (`Outbox`: Kafka and Redis, `adapters.outbox`), and what
the API's host commands are given (Kafka and the queue's replies, `visitflow_platform.replies`'s
ports). The unit tests give fakes."""

from __future__ import annotations

from typing import Any, Protocol

from visitflow_events import Event
from visitflow_platform.replies import Publisher, Replies

__all__ = ["Outbox", "Publisher", "Replies"]


class Outbox(Protocol):
    """Emits events (acknowledged), and writes the views, live frames and replies in one round trip."""

    async def emit(self, events: list[Event]) -> None: ...
    async def project(
        self,
        changes: list[tuple[str, list[Event], dict[str, Any]]],
        replies: list[tuple[str, dict[str, Any]]],
    ) -> None: ...
    async def refresh(self, views: list[tuple[str, dict[str, Any]]]) -> None: ...
