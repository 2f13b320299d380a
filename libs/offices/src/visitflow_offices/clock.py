"""Injected time. Services, tests and the simulator share one notion of "now" (Europe/Oslo for rules)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...

    def at(self, unix_time: float) -> datetime:
        """What this clock read (or will read) at the real Unix time `unix_time`."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def at(self, unix_time: float) -> datetime:
        return datetime.fromtimestamp(unix_time, UTC)


@dataclass
class FixedClock:
    """A clock that only moves when told to; for tests."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def at(self, unix_time: float) -> datetime:
        """Its current time, whenever asked about: a fixed clock stands still in real time too."""
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@dataclass(frozen=True)
class ScaledClock:
    """Simulated time: `start` at real instant `epoch`, running `speed` times faster than real time.

    Every process given the same start, speed and epoch agrees on "now", which is how `make run`
    plays an accelerated office day across all services at once.
    """

    start: datetime
    speed: float = 1.0
    epoch: float = field(default_factory=time.time)

    def now(self) -> datetime:
        return self.at(time.time())

    def at(self, unix_time: float) -> datetime:
        return self.start + timedelta(seconds=(unix_time - self.epoch) * self.speed)


def make_clock(start: datetime | None, speed: float = 1.0, epoch: float | None = None) -> Clock:
    if start is None and speed == 1.0:
        return SystemClock()
    return ScaledClock(
        start=start or datetime.now(UTC), speed=speed, epoch=time.time() if epoch is None else epoch
    )
