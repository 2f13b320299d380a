"""An office's open follow-ups as the metrics read them: emergencies carried over at a day's end and not
yet resolved, each since it was carried over, and how much of the office's opening time has passed since
the oldest was (the figure the follow-up alert watches: a follow-up is due in the office's first hour
open after the day it came). Pure."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from visitflow_offices import Office, local_instant, office_hours

from .day import OfficeDays


class OpenFollowUps(BaseModel):
    """What the read model holds per office (no visit ids): when each open follow-up was carried over,
    oldest first."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    office_id: str
    version: int = Field(ge=0, description="`OfficeDays.follow_ups_version`; a reader keeps the highest")
    since: tuple[AwareDatetime, ...] = ()


def open_follow_ups(office_id: str, days: OfficeDays) -> OpenFollowUps:
    return OpenFollowUps(
        office_id=office_id, version=days.follow_ups_version, since=tuple(sorted(days.follow_ups.values()))
    )


def _opening_spans(office: Office, day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    hours = office_hours(office, datetime.combine(day, time(12), tzinfo=zone), zone)
    return [
        (
            local_instant(datetime.combine(day, span.start), zone),
            local_instant(datetime.combine(day, span.end), zone),
        )
        for span in hours.opening_today
    ]


def opening_seconds(office: Office, start: datetime, end: datetime, zone: ZoneInfo) -> int:
    """How long the office was open from `start` to `end` (its opening hours; closed days, holidays and
    nights count nothing)."""
    total = timedelta()
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    while day <= last:
        for opens, closes in _opening_spans(office, day, zone):
            total += max(timedelta(), min(end, closes) - max(start, opens))
        day += timedelta(days=1)
    return int(total.total_seconds())


def oldest_open_seconds(
    follow_ups: OpenFollowUps | None, office: Office, now: datetime, zone: ZoneInfo
) -> int:
    """The office's opening time since its oldest open follow-up was carried over; 0 with none open."""
    if follow_ups is None or not follow_ups.since:
        return 0
    return opening_seconds(office, follow_ups.since[0], now, zone)
