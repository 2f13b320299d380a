"""What the metrics API reads, over the read model (`ports.Summaries`): a region today, an office's day,
the daily history and the trend; today's figures of every office, refreshed for the exporter; and the
days a request may ask for (`day_range`), or why not, as a value."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from visitflow_offices import Clock, Office, OfficeDirectory, Region, business_date

from ..domain import (
    DaySummary,
    OpenFollowUps,
    drop_in_trend,
    empty_summary,
    history_row,
    live_view,
    longest_wait_s,
    region_totals,
)
from .ports import Summaries

FIRST_DAY = date(2000, 1, 1)  # the first day a history may ask for (before Visitflow); the last is tomorrow


class Overview:
    def __init__(self, store: Summaries, offices: OfficeDirectory, clock: Clock) -> None:
        self._store = store
        self._offices = offices
        self._clock = clock

    def today(self) -> date:
        return business_date(self._clock.now(), self._offices.timezone)

    async def days(self, offices: Iterable[Office], day: date) -> list[tuple[Office, DaySummary]]:
        """Each office's summary of the day; an empty one for an office with no visit yet."""
        listed = list(offices)
        stored = await self._store.read((office.id, day) for office in listed)
        return [(office, stored.get((office.id, day)) or empty_summary(office.id, day)) for office in listed]

    async def follow_ups(self, offices: Iterable[Office]) -> dict[str, OpenFollowUps]:
        """Each office's open follow-ups, whatever day they came (an office that never had one: none)."""
        return await self._store.read_follow_ups(office.id for office in offices)

    async def region_today(self, region: Region) -> dict[str, Any]:
        """The dashboard's snapshot: every office's live view and the region's totals."""
        now = self._clock.now()
        offices = self._offices.in_region(region.id)
        days = await self.days(offices, self.today())
        return {
            "region": {"id": region.id, "name": region.name},
            "business_date": self.today().isoformat(),
            "now": now.isoformat(),
            "offices": [
                {**live_view(summary, office), "longest_wait_s": longest_wait_s(summary, now)}
                for office, summary in days
            ],
            "totals": region_totals((s for _, s in days), self._offices.offices),
        }

    async def history(self, offices: Iterable[Office], first: date, last: date) -> list[dict[str, Any]]:
        """The daily history rows of the offices, by date then office; days without visits are left out."""
        listed = list(offices)
        span = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        stored = await self._store.read((office.id, day) for day in span for office in listed)
        by_id = {office.id: office for office in listed}
        return [history_row(summary, by_id[office_id]) for (office_id, _), summary in stored.items()]

    async def trend(self, offices: Iterable[Office], weeks: int) -> dict[str, Any]:
        """Drop-ins against target per week, and today's drop-ins (counted in the last week), so that a
        live page can put its own figure of today in their place."""
        listed = list(offices)
        last = self.today()
        first = last - timedelta(days=last.weekday() + 7 * (weeks - 1))
        span = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        stored = await self._store.read((office.id, day) for day in span for office in listed)
        drop_ins = {key: summary.counters.get("drop_ins", 0) for key, summary in stored.items()}
        return {
            "weeks": drop_in_trend(listed, drop_ins, first, last, self._offices.timezone),
            "today": {
                "business_date": last.isoformat(),
                "drop_ins": sum(drop_ins.get((office.id, last), 0) for office in listed),
            },
        }


@dataclass
class TodayFigures:
    """Every office's summary today and its open follow-ups, as last read (`refresh`) for the exporter."""

    overview: Overview
    offices: OfficeDirectory
    today: list[tuple[Office, DaySummary]] = field(default_factory=list)
    follow_ups: dict[str, OpenFollowUps] = field(default_factory=dict)

    async def refresh(self) -> None:
        self.today[:] = await self.overview.days(self.offices, self.overview.today())
        read = await self.overview.follow_ups(self.offices)
        self.follow_ups.clear()
        self.follow_ups.update(read)


@dataclass(frozen=True)
class BadRange:
    """Days a history cannot be asked for, and what to ask instead."""

    message: str


def known_day(day: date, today: date) -> date | BadRange:
    """`day`, if the history can hold it: from FIRST_DAY to tomorrow (a caller's calendar may be ahead
    of the service's clock)."""
    if not FIRST_DAY <= day <= today + timedelta(days=1):
        return BadRange(f"Ask for days from {FIRST_DAY} to tomorrow.")
    return day


def day_range(first: date | None, last: date | None, today: date, most: int) -> tuple[date, date] | BadRange:
    """The days from `first` (default: 27 days before `last`) to `last` (default: today), at most
    `most` of them."""
    last_day = known_day(last or today, today)
    if isinstance(last_day, BadRange):
        return last_day
    first_day = known_day(first or max(FIRST_DAY, last_day - timedelta(days=27)), today)
    if isinstance(first_day, BadRange):
        return first_day
    if first_day > last_day:
        return BadRange("`from` must not be after `to`.")
    if (last_day - first_day).days >= most:
        return BadRange(f"Ask for at most {most} days at a time.")
    return first_day, last_day
