"""One office's day as the metrics worker keeps it: the progress of its open visits and of those over in
the last `ENDED_KEPT`, the flat counters, hourly counters, and the wait and service-time samples; and
the office's open follow-ups, across days. Pure.

Every event is applied at most once per visit (a check-in counts once per visit id, a first call once,
an ending once), so a replay after a crash or a duplicate delivery changes nothing. A visit over longer
ago is only an id (`done`): its events delivered again count nothing, and the day's stored value
grows by an id per visit, not by its progress (docs/decisions/metrics-day-holds-the-open-visits.md).
A removal a host undid (`VisitRestored`) is not counted: its counters and service time are taken
back, in the hour they were counted, and the removal delivered again after its undo changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cached_property
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PrivateAttr
from visitflow_events import (
    AppointmentMissed,
    FollowUpResolved,
    ServiceCompleted,
    ServiceStarted,
    StaffingOption,
    VisitCancelled,
    VisitCarriedOver,
    VisitClosedAtDayEnd,
    VisitEvent,
    VisitHeld,
    VisitorCalled,
    VisitorCheckedIn,
    VisitorNoShow,
    VisitorQueued,
    VisitRedirected,
    VisitRestored,
    VisitTransferred,
    WaitsEstimated,
)

from .footfall import counter_increments

KEPT_DAYS = 2  # today and yesterday: a day closed late (worker down overnight) still gets its endings
# How long a visit over keeps its progress: longer than any undo of its ending may come
ENDED_KEPT = timedelta(minutes=15)


class Stage(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    IN_SERVICE = "in_service"
    ENDED = "ended"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Removal(_Frozen):
    """A visit's latest ending or transfer, with what it counted, for an undo to take back."""

    event_id: UUID
    hour: str = Field(description="the local hour it was counted in")
    counted: dict[str, int] = {}
    service_s: int | None = None


class Track(_Frozen):
    """A queued visit's progress; kept for `ENDED_KEPT` after it ends, so that an undo finds what to take
    back and an event delivered again is recognised."""

    stage: Stage = Stage.WAITING
    line_id: str
    checked_in_at: AwareDatetime
    quoted_s: int | None = None  # the wait the queue estimated at check-in
    said_s: tuple[int, int] | None = None  # the waits for which what the visitor was told held
    quoted_for: str | None = None  # the line queued in, which the quote was for
    called_at: AwareDatetime | None = None
    started_at: AwareDatetime | None = None
    removal: Removal | None = None
    undone: frozenset[UUID] = frozenset()  # removals undone: delivered again, they count nothing
    ended_at: AwareDatetime | None = None  # when it ended (stage `ended`)


@dataclass(frozen=True)
class DayRules:
    service_level_s: int
    zone: ZoneInfo


class DaySummary(_Frozen):
    """What is published per office and day (compacted topic, Redis, live frames): no visit ids."""

    office_id: str
    business_date: date
    version: int = Field(ge=0, description="events applied; a reader keeps the highest")
    counters: dict[str, int] = {}
    hourly: dict[str, dict[str, int]] = Field(default={}, description="local hour 'HH' -> counters")
    waits_s: dict[str, list[int]] = Field(default={}, description="check-in to first call, per line")
    service_s: dict[str, list[int]] = Field(default={}, description="call or start to completion, per line")
    quote_errors_s: dict[str, list[int]] = Field(
        default={}, description="the wait quoted at check-in minus the wait had, per line"
    )
    quotes_held: dict[str, list[int]] = Field(
        default={}, description="1 where the wait had was within what the visitor was told, else 0, per line"
    )
    in_office: int = 0
    waiting: int = 0
    called: int = 0
    in_service: int = 0
    oldest_waiting_since: AwareDatetime | None = None
    staffing: tuple[StaffingOption, ...] = Field(
        default=(), description="the queue's latest staffing hint: the next hour, a room more or fewer"
    )

    @cached_property
    def json_bytes(self) -> bytes:
        """The summary's JSON, dumped once however many places store it (the history, the read model).
        Kept beside the fields, outside equality; a summary is a record, never copied with changes."""
        return self.model_dump_json().encode()


class OfficeDay(_Frozen):
    office_id: str
    business_date: date
    version: int = 0
    counters: dict[str, int] = {}
    hourly: dict[str, dict[str, int]] = {}
    waits_s: dict[str, list[int]] = {}
    service_s: dict[str, list[int]] = {}
    quote_errors_s: dict[str, list[int]] = {}
    quotes_held: dict[str, list[int]] = {}
    arrived: frozenset[UUID] = frozenset()
    missed: frozenset[str] = frozenset()  # the bookings counted missed, by id
    visits: dict[UUID, Track] = Field(default={}, description="open, or over in the last ENDED_KEPT")
    done: frozenset[UUID] = Field(default=frozenset(), description="queued today, over longer ago")
    staffing: tuple[StaffingOption, ...] = ()
    staffing_at: AwareDatetime | None = (
        None  # when the queue made it: an older one delivered late is not kept
    )

    # Running figures of the open visits, kept by `apply` as a visit changes stage, so that a summary
    # costs what the day's lines and reasons do, not its visits; counted from `visits` when a day is
    # made or read (`model_post_init`), never stored.
    _stages: dict[Stage, int] = PrivateAttr(default_factory=dict)  # open visits per stage
    _waiting_since: dict[UUID, datetime] = PrivateAttr(default_factory=dict)  # when each waiting one came

    def model_post_init(self, context: object) -> None:
        stages: dict[Stage, int] = {}
        for track in self.visits.values():
            stages[track.stage] = stages.get(track.stage, 0) + 1
        stages.pop(Stage.ENDED, None)
        self._stages = stages
        self._waiting_since = {
            visit_id: track.checked_in_at
            for visit_id, track in self.visits.items()
            if track.stage is Stage.WAITING
        }

    def _moved(self, visit_id: UUID, before: Track | None, after: Track) -> None:
        """Keeps the running figures of a copy of this day whose visit changed from `before` to `after`."""
        if before is not None and before.stage is after.stage:
            return
        stages = dict(self._stages)
        if before is not None and before.stage is not Stage.ENDED:
            stages[before.stage] -= 1
            if not stages[before.stage]:  # as a day read back counts it: no stage at zero
                del stages[before.stage]
        if after.stage is not Stage.ENDED:
            stages[after.stage] = stages.get(after.stage, 0) + 1
        self._stages = stages
        if after.stage is Stage.WAITING:
            self._waiting_since = {**self._waiting_since, visit_id: after.checked_in_at}
        elif before is not None and before.stage is Stage.WAITING:
            self._waiting_since = {k: v for k, v in self._waiting_since.items() if k != visit_id}

    def summary(self) -> DaySummary:
        stages = self._stages
        return DaySummary(
            office_id=self.office_id,
            business_date=self.business_date,
            version=self.version,
            counters=self.counters,
            hourly=self.hourly,
            waits_s=self.waits_s,
            service_s=self.service_s,
            quote_errors_s=self.quote_errors_s,
            quotes_held=self.quotes_held,
            in_office=sum(stages.values()),
            waiting=stages.get(Stage.WAITING, 0),
            called=stages.get(Stage.CALLED, 0),
            in_service=stages.get(Stage.IN_SERVICE, 0),
            oldest_waiting_since=min(self._waiting_since.values(), default=None),
            staffing=self.staffing,
        )


def _added(counters: dict[str, int], increments: dict[str, int]) -> dict[str, int]:
    result = dict(counters)
    for name, amount in increments.items():
        result[name] = result.get(name, 0) + amount
    return result


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds()))


def _subtracted(counters: dict[str, int], counted: dict[str, int]) -> dict[str, int]:
    """The counters without what was counted (a counter back at zero is gone, as if never counted)."""
    result = _added(counters, {name: -amount for name, amount in counted.items()})
    return {name: amount for name, amount in result.items() if amount}


def _appended(samples: dict[str, list[int]], line_id: str, value: int) -> dict[str, list[int]]:
    return {**samples, line_id: [*samples.get(line_id, []), value]}


def _without_sample(samples: dict[str, list[int]], line_id: str, value: int) -> dict[str, list[int]]:
    kept = list(samples.get(line_id, []))
    if value in kept:
        del kept[len(kept) - 1 - kept[::-1].index(value)]
    return {**samples, line_id: kept}


Counted = VisitEvent | AppointmentMissed | WaitsEstimated
"""What the metrics count: every visit event, the appointments nobody came for, and the queue's
staffing hint (kept as the day's latest)."""


def _hour(event: Counted, rules: DayRules) -> str:
    return event.occurred_at.astimezone(rules.zone).strftime("%H")


def _restored(day: OfficeDay, track: Track, event: VisitRestored) -> dict[str, object]:
    """The day with a removal taken back: the visit where it was, its counts and service time undone."""
    removal = track.removal
    if removal is None or removal.event_id != event.undone_event_id:
        return {}
    back = track.model_copy(
        update={
            "stage": Stage(event.stage.value),
            "line_id": event.line_id,
            "removal": None,
            "undone": track.undone | {removal.event_id},
            "ended_at": None,
        }
    )
    changes: dict[str, object] = {"visits": {**day.visits, event.visit_id: back}}
    if removal.counted:
        changes["counters"] = _subtracted(day.counters, removal.counted)
        hourly = {**day.hourly, removal.hour: _subtracted(day.hourly.get(removal.hour, {}), removal.counted)}
        changes["hourly"] = {hour: counters for hour, counters in hourly.items() if counters}
    if removal.service_s is not None:
        changes["service_s"] = _without_sample(day.service_s, track.line_id, removal.service_s)
    return changes


def _progress(
    day: OfficeDay, event: VisitEvent | AppointmentMissed, rules: DayRules
) -> tuple[dict[str, object], dict[str, int]]:
    """The changes one event makes to the day and the counters it adds; ({}, {}) when it is not new."""
    if isinstance(event, AppointmentMissed):
        if event.booking_id in day.missed:
            return {}, {}
        return {"missed": day.missed | {event.booking_id}}, counter_increments(event)
    if isinstance(event, VisitorCheckedIn | VisitRedirected):
        if event.visit_id in day.arrived:
            return {}, {}
        return {"arrived": day.arrived | {event.visit_id}}, counter_increments(event)
    if isinstance(event, VisitorQueued):
        if event.visit_id in day.visits or event.visit_id in day.done:
            return {}, {}
        track = Track(
            line_id=event.line_id,
            checked_in_at=event.checked_in_at,
            quoted_s=event.estimated_wait_s,
            said_s=event.said_bounds(),
            quoted_for=event.line_id,
        )
        return {"visits": {**day.visits, event.visit_id: track}}, counter_increments(event)
    known = day.visits.get(event.visit_id)
    if known is None or event.event_id in known.undone:
        return {}, {}
    if isinstance(event, VisitRestored):
        return _restored(day, known, event), {}
    if known.stage is Stage.ENDED:
        return {}, {}
    track = known
    visits = dict(day.visits)
    if isinstance(event, VisitorCalled):
        if track.called_at is not None:  # a recall, or a second call after a transfer
            if track.stage is Stage.CALLED:
                return {}, {}
            visits[event.visit_id] = track.model_copy(update={"stage": Stage.CALLED})
            return {"visits": visits}, {}
        wait = _seconds(track.checked_in_at, event.occurred_at)
        visits[event.visit_id] = track.model_copy(
            update={"stage": Stage.CALLED, "called_at": event.occurred_at}
        )
        within = {"called_within_target": 1} if wait <= rules.service_level_s else {}
        first_call: dict[str, object] = {
            "visits": visits,
            "waits_s": _appended(day.waits_s, event.line_id, wait),
        }
        # a visitor moved to another line before their first call was quoted for the line they left
        quoted = track.quoted_for in (None, track.line_id)  # None: a track stored before it was kept
        if quoted and track.quoted_s is not None:
            first_call["quote_errors_s"] = _appended(day.quote_errors_s, track.line_id, track.quoted_s - wait)
        if quoted and track.said_s is not None:
            held = int(track.said_s[0] <= wait <= track.said_s[1])
            first_call["quotes_held"] = _appended(day.quotes_held, track.line_id, held)
        return first_call, {"called": 1, **within}
    if isinstance(event, ServiceStarted):
        if track.stage is Stage.IN_SERVICE:
            return {}, {}
        visits[event.visit_id] = track.model_copy(
            update={"stage": Stage.IN_SERVICE, "started_at": track.started_at or event.occurred_at}
        )
        return {"visits": visits}, {}
    if isinstance(event, VisitTransferred):
        if track.stage is Stage.WAITING and track.line_id == event.to_line_id:
            return {}, {}
        removal = Removal(event_id=event.event_id, hour=_hour(event, rules))
        visits[event.visit_id] = track.model_copy(
            update={"stage": Stage.WAITING, "line_id": event.to_line_id, "removal": removal}
        )
        return {"visits": visits}, {}
    if isinstance(event, VisitHeld):  # stepped out: waiting (on hold) again
        if track.stage is Stage.WAITING:
            return {}, {}
        visits[event.visit_id] = track.model_copy(update={"stage": Stage.WAITING})
        return {"visits": visits}, {}
    if isinstance(
        event, ServiceCompleted | VisitorNoShow | VisitCancelled | VisitClosedAtDayEnd | VisitCarriedOver
    ):
        counted = counter_increments(event)
        began = track.started_at or track.called_at
        service_s = (
            _seconds(began, event.occurred_at)
            if isinstance(event, ServiceCompleted) and began is not None
            else None
        )
        undoable = (
            Removal(event_id=event.event_id, hour=_hour(event, rules), counted=counted, service_s=service_s)
            if isinstance(event, ServiceCompleted | VisitorNoShow | VisitCancelled)
            else None  # the day's end is not undone
        )
        visits[event.visit_id] = track.model_copy(
            update={"stage": Stage.ENDED, "removal": undoable, "ended_at": event.occurred_at}
        )
        changes: dict[str, object] = {"visits": visits, **_forgotten(day, visits, event.occurred_at)}
        if service_s is not None:
            changes["service_s"] = _appended(day.service_s, track.line_id, service_s)
        return changes, counted
    return {}, {}


def _forgotten(day: OfficeDay, visits: dict[UUID, Track], now: datetime) -> dict[str, object]:
    """The visits over longer than `ENDED_KEPT` before `now` taken out of `visits` (changed in place)
    into `done`; a track stored before its end was timed counts as long over."""
    since = now - ENDED_KEPT
    gone = [
        visit_id
        for visit_id, track in visits.items()
        if track.stage is Stage.ENDED and (track.ended_at is None or track.ended_at <= since)
    ]
    for visit_id in gone:
        del visits[visit_id]
    return {"done": day.done | set(gone)} if gone else {}


def _hinted(day: OfficeDay, event: WaitsEstimated | VisitorQueued) -> dict[str, object]:
    """The queue's staffing hint (a `VisitorQueued` that ended a batch of check-ins carries it), when
    newer than the one the day has and different from it."""
    staffing = (
        event.staffing if isinstance(event, WaitsEstimated) else event.waits.staffing if event.waits else None
    )
    if (
        staffing is None
        or (day.staffing_at is not None and event.occurred_at <= day.staffing_at)
        or staffing == day.staffing
    ):
        return {}
    return {"staffing": staffing, "staffing_at": event.occurred_at}


def apply(day: OfficeDay, event: Counted, rules: DayRules) -> OfficeDay | None:
    """The day after `event`, or None when the event changes nothing (a duplicate, or not counted)."""
    increments: dict[str, int] = {}
    if isinstance(event, WaitsEstimated):
        changes = _hinted(day, event)
    else:
        changes, increments = _progress(day, event, rules)
        if isinstance(event, VisitorQueued):
            changes = {**changes, **_hinted(day, event)}
    if not changes and not increments:
        return None
    if increments:
        hour = _hour(event, rules)
        changes["counters"] = _added(day.counters, increments)
        changes["hourly"] = {**day.hourly, hour: _added(day.hourly.get(hour, {}), increments)}
    changes["version"] = day.version + 1
    after = day.model_copy(update=changes)
    if "visits" in changes and isinstance(event, VisitEvent):
        after._moved(event.visit_id, day.visits.get(event.visit_id), after.visits[event.visit_id])
    return after


class OfficeDays(_Frozen):
    """The faust table's value per office: the latest `KEPT_DAYS` days, and the office's open follow-ups
    (emergencies carried over at a day's end, until resolved, however many days that takes)."""

    days: dict[date, OfficeDay] = {}
    follow_ups: dict[UUID, AwareDatetime] = Field(
        default={}, description="open, by visit: when it was carried over"
    )
    follow_ups_version: int = Field(default=0, ge=0, description="changes to the follow-ups")

    def apply(self, event: Counted, rules: DayRules) -> tuple[OfficeDays, OfficeDay | None] | None:
        """The new value and the changed day (None when only the follow-ups changed), or None when nothing
        changed (the day too old, and no follow-up)."""
        after = self._followed(event)
        day = self.days.get(event.business_date)
        if day is None and len(self.days) >= KEPT_DAYS and event.business_date < min(self.days):
            return (after, None) if after is not self else None
        day = day or OfficeDay(office_id=event.office_id, business_date=event.business_date)
        changed = apply(day, event, rules)
        if changed is None:
            return (after, None) if after is not self else None
        days = {**self.days, changed.business_date: changed}
        kept = dict(sorted(days.items())[-KEPT_DAYS:])
        return after.model_copy(update={"days": kept}), changed

    def _followed(self, event: Counted) -> OfficeDays:
        """With a follow-up opened or resolved by `event`; itself when the event changes none."""
        if isinstance(event, VisitCarriedOver) and event.visit_id not in self.follow_ups:
            follow_ups = {**self.follow_ups, event.visit_id: event.occurred_at}
        elif isinstance(event, FollowUpResolved) and event.visit_id in self.follow_ups:
            follow_ups = {k: since for k, since in self.follow_ups.items() if k != event.visit_id}
        else:
            return self
        return self.model_copy(
            update={"follow_ups": follow_ups, "follow_ups_version": self.follow_ups_version + 1}
        )
