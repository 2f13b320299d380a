"""When an office is open, and when drop-in is: pure functions of an office and an instant.

Opening hours and drop-in windows are wall-clock times of the office's zone (`local_instant` says which
instant such a time names on the days the clocks change).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .model import Office, Weekday, Window

OSLO = ZoneInfo("Europe/Oslo")


@dataclass(frozen=True, order=True)
class Span:
    start: time
    end: time

    def label(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class OfficeHours:
    """What an office's day looks like at one instant, for policy and for screens."""

    local_time: datetime
    is_open: bool
    drop_in_open: bool
    opening_today: tuple[Span, ...]
    drop_in_today: tuple[Span, ...]
    next_opening: datetime | None
    next_drop_in: datetime | None
    holiday: bool


def business_date(at: datetime, zone: ZoneInfo = OSLO) -> date:
    return at.astimezone(zone).date()


def local_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant a wall-clock time (a naive datetime) names in `zone`, read as iCalendar reads one
    (RFC 5545, 3.3.5): a time the clocks show twice, when they go back, is its first occurrence (02:30
    on the last Sunday of October in Oslo is 02:30 summer time, +02:00); a time they skip, when they go
    forward, is read with the offset before the gap (02:30 on the last Sunday of March is 03:30 summer
    time). The answer is in `zone`, as its clocks show it."""
    first = wall.replace(tzinfo=zone, fold=0)  # fold 0: the offset before a change (PEP 495)
    if first.utcoffset() == first.replace(fold=1).utcoffset():
        return first  # shown once: every time but the hour around a change
    return first.astimezone(UTC).astimezone(zone)


_WEEKDAYS = tuple(Weekday)
# Each weekday's spans of the windows tuples last asked about: the check-in's policy, the estimator and
# the screens ask about an office's hours at every request and batch. Keyed by the tuple's id, and the
# entry holds the tuple, so its id is no other tuple's while it is cached.
_BY_WEEKDAY: dict[int, tuple[tuple[Window, ...], tuple[tuple[Span, ...], ...]]] = {}
BY_WEEKDAY_KEPT = 4096


def _by_weekday(windows: tuple[Window, ...]) -> tuple[tuple[Span, ...], ...]:
    entry = _BY_WEEKDAY.get(id(windows))
    if entry is None or entry[0] is not windows:
        if len(_BY_WEEKDAY) >= BY_WEEKDAY_KEPT:
            _BY_WEEKDAY.clear()
        spans = tuple(
            tuple(sorted(Span(w.start, w.end) for w in windows if weekday in w.days)) for weekday in _WEEKDAYS
        )
        entry = _BY_WEEKDAY[id(windows)] = (windows, spans)
    return entry[1]


def _spans(windows: tuple[Window, ...], day: date, holidays: tuple[date, ...]) -> tuple[Span, ...]:
    if day in holidays:
        return ()
    return _by_weekday(windows)[day.weekday()]


def _inside(spans: tuple[Span, ...], moment: time) -> bool:
    return any(span.start <= moment < span.end for span in spans)


def _next_start(
    windows: tuple[Window, ...], holidays: tuple[date, ...], local: datetime, zone: ZoneInfo
) -> datetime | None:
    for offset in range(0, 15):
        day = local.date() + timedelta(days=offset)
        for span in _spans(windows, day, holidays):
            start = local_instant(datetime.combine(day, span.start), zone)
            if start > local:
                return start
    return None


def office_hours(office: Office, at: datetime, zone: ZoneInfo) -> OfficeHours:
    local = at.astimezone(zone)
    today = local.date()
    opening = _spans(office.policy.opening_hours, today, office.holidays)
    drop_in = _spans(office.drop_in, today, office.holidays)
    moment = local.time()
    return OfficeHours(
        local_time=local,
        is_open=_inside(opening, moment),
        drop_in_open=_inside(drop_in, moment) and _inside(opening, moment),
        opening_today=opening,
        drop_in_today=drop_in,
        next_opening=_next_start(office.policy.opening_hours, office.holidays, local, zone),
        next_drop_in=_next_start(office.drop_in, office.holidays, local, zone),
        holiday=today in office.holidays,
    )


def opening_span(office: Office, at: datetime, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """The opening span that holds the instant `at`, as the instants it opens and closes (the office is
    open from the first, up to but not at the second), or None when the office is closed at `at`."""
    local = at.astimezone(zone)
    day = local.date()
    for span in _spans(office.policy.opening_hours, day, office.holidays):
        if span.start <= local.time() < span.end:
            opens, closes = (
                local_instant(datetime.combine(day, edge), zone) for edge in (span.start, span.end)
            )
            return opens, closes
    return None


def closing_time(office: Office, day: date, zone: ZoneInfo) -> datetime | None:
    """When the office's last opening span ends that day, or None on a closed day."""
    spans = _spans(office.policy.opening_hours, day, office.holidays)
    return local_instant(datetime.combine(day, spans[-1].end), zone) if spans else None
