"""Wait estimates as the queue publishes them, and the one way every screen and SMS says one.

The queue's estimator (visitflow_queue.domain.estimates) makes them; the check-in answer, the tablet,
the waiting-room display and the SMS all show them through `said_minutes` (`WaitEstimate.said`), so
one visitor reads the same figure wherever they look.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .envelope import Event
from .ids import ConfiguredId

STEP_MIN = 5  # said to the nearest five minutes: the estimate is no finer than that
RANGE_FROM_MIN = 10  # a range is said when the likely waits span this much or more ("10-20 min")


class WaitEstimate(BaseModel):
    """An expected wait until called, with the range it likely falls in (seconds)."""

    model_config = ConfigDict(frozen=True)

    expected_s: int = Field(ge=0)
    low_s: int = Field(ge=0)
    high_s: int = Field(ge=0)
    no_room: bool = Field(default=False, description="every room is out of service: no wait can be said")

    def said(self) -> tuple[int, int | None]:
        """The minutes a screen or SMS says of it (`said_minutes`)."""
        return said_minutes(self.expected_s, self.low_s, self.high_s)


def said_minutes(expected_s: int, low_s: int, high_s: int) -> tuple[int, int | None]:
    """How a wait estimate is said, from its seconds: (minutes, None) for "about N min", the nearest
    five minutes, never less than five (a visitor in line waits for a room to come free); or (from, to)
    for "from-to min" when the likely waits span `RANGE_FROM_MIN` or more, each end to the nearest five
    minutes. Plain numbers, so the queue says its figures without making a `WaitEstimate` of each."""
    if (high_s - low_s) / 60 >= RANGE_FROM_MIN:
        return _step(low_s), _step(high_s)
    return max(STEP_MIN, _step(expected_s)), None


def said_bounds_s(expected_s: int, low_s: int, high_s: int) -> tuple[int, int]:
    """The waits, in seconds, for which what a visitor was told (`said_minutes`) held: within the range
    or about the figure said, each end give or take half the five minutes it was rounded to; "about
    5 min", the least ever said, for any shorter wait too."""
    low, high = said_minutes(expected_s, low_s, high_s)
    if high is None:
        low, high = (0 if low == STEP_MIN else low), low
    half_step_s = STEP_MIN * 30
    return max(0, low * 60 - half_step_s), high * 60 + half_step_s


def _step(seconds: int) -> int:
    return STEP_MIN * round(seconds / 60 / STEP_MIN)


class LineWait(BaseModel):
    model_config = ConfigDict(frozen=True)

    line_id: ConfiguredId
    waiting: int = Field(ge=0)
    estimate: WaitEstimate = Field(description="its last visitor's, or one joining it now when it is empty")


class StaffingOption(BaseModel):
    """The expected wait of those arriving over the next hour, with so many rooms in service."""

    model_config = ConfigDict(frozen=True)

    rooms: int = Field(ge=1)
    as_now: bool = Field(description="the rooms in service now (the others: one fewer, one more)")
    expected_wait_s: int | None = Field(default=None, ge=0, description="None: nobody is expected")


class OfficeWaits(BaseModel):
    """Each line's count and wait estimate, and the office's staffing hint, as a batch of the queue left
    them: what a `WaitsEstimated` says, carried by the `VisitorQueued` that ends a batch of check-ins."""

    model_config = ConfigDict(frozen=True)

    lines: tuple[LineWait, ...] = Field(max_length=32)
    staffing: tuple[StaffingOption, ...] = Field(
        default=(), max_length=3, description="the office lead's hint: the next hour, a room more or fewer"
    )


class WaitsEstimated(Event):
    """The office's wait estimates per line, or its staffing hint, changed: what the display and the
    regional dashboard show."""

    type: Literal["WaitsEstimated"] = "WaitsEstimated"
    business_date: date
    lines: tuple[LineWait, ...] = Field(max_length=32)
    staffing: tuple[StaffingOption, ...] = Field(
        default=(), max_length=3, description="the office lead's hint: the next hour, a room more or fewer"
    )
