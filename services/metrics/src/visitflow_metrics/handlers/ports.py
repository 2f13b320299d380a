"""What the metrics service's use cases are given: each office's days (the worker's table), the read
model in Redis (written by the worker, read by the API), and the history topic. `adapters/` implements
them; the unit tests give fakes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Protocol

from ..domain import DaySummary, OfficeDays, OpenFollowUps


class Days(Protocol):
    """Each office's days, stored by office (the worker's faust table)."""

    def get(self, key: str) -> OfficeDays: ...
    def put(self, key: str, value: OfficeDays) -> None: ...
    def stored(self) -> list[str]: ...


class ReadModel(Protocol):
    async def write_follow_ups(self, writes: Sequence[OpenFollowUps]) -> int: ...
    async def write_all(self, writes: Sequence[tuple[DaySummary, str, str | None]]) -> int: ...


class History(Protocol):
    async def publish(self, summaries: Sequence[DaySummary]) -> None:
        """Sends each summary to the history topic and waits until every one is acknowledged."""
        ...


class Summaries(Protocol):
    """The read model as the API reads it (`adapters.store.SummaryStore`)."""

    async def read(self, wanted: Iterable[tuple[str, date]]) -> dict[tuple[str, date], DaySummary]: ...
    async def read_follow_ups(self, office_ids: Iterable[str]) -> dict[str, OpenFollowUps]: ...


class Loaded(Protocol):
    """Whether the read model holds the whole history (`adapters.store.SummaryStore`)."""

    async def history_loaded(self) -> bool: ...
