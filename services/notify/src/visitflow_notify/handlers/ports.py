"""What the notify service's use cases are given: the worker's tables, the live channels, the
notifications topic and the sender, and for a visit link the links, the visitors' pictures and a rate
limit (Kafka and the queue's replies are `visitflow_platform.replies`'s ports). `adapters/` and the
platform implement them; the unit tests give fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol, TypeVar
from uuid import UUID

from visitflow_events import Message, NotificationFailed, NotificationRequested, NotificationSent
from visitflow_platform.live import Frame, Outgoing
from visitflow_platform.visit_links import VisitLink

V = TypeVar("V")


class Table(Protocol[V]):
    """A value per office (the worker's faust tables)."""

    def get(self, key: str) -> V: ...
    def put(self, key: str, value: V) -> None: ...
    def stored(self) -> list[str]: ...


class Feeds(Protocol):
    """The live channels of the displays, the counsellors and the visitors' pages: each frame stored,
    its office's snapshot updated and pushed to every listener, a batch's frames of all three in one
    round trip."""

    async def publish(
        self, display: Sequence[Outgoing], counsellors: Sequence[Outgoing], visitors: Sequence[Outgoing]
    ) -> None: ...


class Notifications(Protocol):
    async def record(self, messages: Sequence[Message]) -> None:
        """Records requests and outcomes on the notifications topic, acknowledged."""
        ...


class Deliverer(Protocol):
    async def deliver(
        self, request: NotificationRequested
    ) -> NotificationSent | NotificationFailed | None: ...


class Links(Protocol):
    """The visit links (`visitflow_platform.visit_links.LinkStore`)."""

    async def resolve(self, token: str) -> VisitLink | None: ...
    async def revoke(self, visit_id: UUID, office_id: str | None = None) -> bool: ...


class Pictures(Protocol):
    """An office's live picture of its visits (`visitflow_platform.live.LiveHub`)."""

    async def snapshot(self, office_id: str) -> Frame: ...
    def subscribe(self, office_id: str, last_event_id: str | None = None) -> AsyncIterator[Frame]: ...


class Limit(Protocol):
    """A fixed-window rate limit (`visitflow_platform.ratelimit.FixedWindow`)."""

    async def exceeded(self, key: str) -> int | None: ...
