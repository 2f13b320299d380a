"""What the check-in's use cases are given: Kafka to publish on, the queue's replies, each check-in's
record, the visitors' links, and what the booking import recorded. `adapters/` and the platform
implement them; the unit tests give fakes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from pydantic import BaseModel
from visitflow_events import Message

from ..domain import Recorded, Refusal


class Publisher(Protocol):
    """Kafka: returns once every message is acknowledged (acks=all), else raises."""

    async def publish(self, topic: str, message: Message) -> None: ...
    async def publish_all(self, topic: str, messages: Sequence[Message]) -> None: ...


class Replies(Protocol):
    """The queue's answers by visit id: awaited once expected, or read once stored."""

    def expect(self, key: str) -> asyncio.Future[str]: ...
    async def wait(self, key: str, future: asyncio.Future[str], timeout_s: float) -> str | None: ...
    async def stored(self, key: str) -> str | None: ...


class Given(Protocol):
    """An answer a check-in was given: its status and body."""

    @property
    def status(self) -> int: ...
    @property
    def body(self) -> dict[str, object]: ...


class Claim(Protocol):
    """A request's hold on its check-in's record: `prior` is the answer already given, if any; `refused`
    why the request may not be decided (another request's key, or one still in flight too long)."""

    @property
    def prior(self) -> Given | None: ...
    @property
    def refused(self) -> Refusal | None: ...
    async def keep(self, status: int, body: dict[str, object], link: LinkToKeep | None = None) -> None:
        """Keeps the answer for every resend of the request, with `link` written in the same round
        trip."""
        ...


class LinkToKeep(Protocol):
    """A visitor's link minted (`VisitorLinks.new`) and not yet stored: the kept answer's round trip
    writes it (`write`, then `written` with that round trip's results)."""

    @property
    def token(self) -> str: ...
    def write(self, pipe: Any) -> None: ...
    async def written(self, results: Sequence[Any]) -> None: ...


class CountedRequest(Protocol):
    """The request as the rate limit counts it: alone (`check`), or as the first commands of the claim's
    round trip (`count`), judged by the count it got back (`judge`); both raise over the limit."""

    async def check(self) -> None: ...
    def count(self, pipe: Any) -> None: ...
    def judge(self, count: int) -> None: ...


class CheckInRecords(Protocol):
    """One record per check-in (idempotency). A claim that ends without an answer kept is let go; a
    claim of a record with another fingerprint, or one still in flight too long, is refused. A claim
    given the request's count (`counted`) counts it in its own round trip, and holds nothing when the
    count is over the limit."""

    def fingerprint(self, request: BaseModel, *context: str | None) -> str: ...
    def claim(
        self, visit_id: UUID, office_id: str, fingerprint: str, counted: CountedRequest | None = None
    ) -> AbstractAsyncContextManager[Claim]: ...
    async def office_of(self, visit_id: UUID) -> str | None: ...


class VisitorLinks(Protocol):
    """The visitors' own links, as tokens, with any SMS opt-in's phone kept beside them until `day` ends:
    stored at once (`give`), or with the check-in's kept answer (`new`)."""

    def new(self, office_id: str, visit_id: UUID, day: date, now: datetime) -> LinkToKeep: ...
    async def give(
        self, office_id: str, visit_id: UUID, day: date, now: datetime, phone: str | None = None
    ) -> str: ...
    async def given(self, visit_id: UUID) -> str | None:
        """The token the visit was given, while it still opens the visit."""
        ...


class BookingRecords(Protocol):
    """What the import recorded of each booking, per office."""

    async def load(self, office_id: str) -> dict[str, Recorded]: ...
    async def record(
        self, office_id: str, changed: dict[str, Recorded], known: dict[str, Recorded], now: datetime
    ) -> None: ...
