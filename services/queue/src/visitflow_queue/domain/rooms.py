"""When a host closing a room may say they expect it back (`CloseRoom.until`): later than now, and no
later than the end of the office's opening today. One rule, used by the API (a 422 before anything is
published) and by the queue's decision (a command that slipped past it is refused)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from visitflow_offices import OSLO, Office
from visitflow_offices.calendar import local_instant, office_hours


def office_instant(at: datetime | time, now: datetime, zone: ZoneInfo = OSLO) -> datetime:
    """An office-time moment as the host says it: an instant as is, a wall-clock time (or a time of day
    alone, today) read in the office's zone."""
    if isinstance(at, time):
        at = datetime.combine(now.astimezone(zone).date(), at.replace(tzinfo=None))
    if at.tzinfo is None:
        return local_instant(at, zone)
    return at


def opening_ends(office: Office, day: date, zone: ZoneInfo = OSLO) -> datetime | None:
    """When the office's opening ends on `day`, or None when it does not open that day."""
    noon = local_instant(datetime.combine(day, time(12)), zone)
    spans = office_hours(office, noon, zone).opening_today
    return local_instant(datetime.combine(day, max(s.end for s in spans)), zone) if spans else None


def until_refusal(office: Office, until: datetime, now: datetime, zone: ZoneInfo = OSLO) -> str | None:
    """Why a room cannot be closed until `until` at `now` (a sentence that quotes nothing the host
    sent), or None when it can."""
    ends = opening_ends(office, now.astimezone(zone).date(), zone)
    if until <= now:
        return "The time the room is expected back must be later than now."
    if ends is None or until > ends:
        closing = f" ({ends.astimezone(zone):%H:%M})" if ends else ""
        return f"The time the room is expected back must be within {office.name}'s opening today{closing}."
    return None
