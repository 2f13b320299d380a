"""The state of one office's queue for one day, and how each event changes it (`evolve`).

The same fold serves the worker (its faust table), the read model in Redis and the rebuild from
Kafka, which is why a rebuilt system shows exactly what the old one showed.

Besides the day's open visits it keeps what outlives a visit for a while: each removal (a completion,
no-show, cancellation or transfer) for `UNDO_SECONDS_MAX`, so it can be undone, and the emergencies
carried over from earlier days (`follow_ups`), until a host resolves them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from visitflow_events import (
    Event,
    FollowUpResolved,
    Needs,
    OfficeDayClosed,
    Reason,
    RemovalType,
    RoomClosed,
    RoomOpened,
    ServiceCompleted,
    ServiceStarted,
    VisitCancelled,
    VisitCarriedOver,
    VisitClosedAtDayEnd,
    VisitEvent,
    VisitHeld,
    VisitKind,
    VisitorCalled,
    VisitorNoShow,
    VisitorQueued,
    VisitRestored,
    VisitReturned,
    VisitStage,
    VisitTransferred,
)
from visitflow_offices import OSLO
from visitflow_offices.model import UNDO_SECONDS_MAX

from .history import ArrivalHistory, TalkHistory, folded, talks_folded

RECENT_DURATIONS = 10
ARRIVALS_WINDOW = timedelta(hours=1)  # the check-ins kept per line, for the running arrival rate
REMOVALS_KEPT = timedelta(seconds=UNDO_SECONDS_MAX)


class OpenVisit(BaseModel):
    model_config = ConfigDict(frozen=True)

    visit_id: UUID
    ticket: str
    line_id: str
    kind: VisitKind
    reason: Reason
    checked_in_at: datetime
    appointment_at: datetime | None = None
    counsellor_id: str | None = None
    needs: Needs = Needs()
    stage: VisitStage = VisitStage.WAITING
    room_id: str | None = None
    calls: int = 0
    called_at: datetime | None = None
    started_at: datetime | None = None
    held: bool = False  # stepped out: keeps their place, is not called

    @property
    def emergency(self) -> bool:
        """Came for emergency help, which is always given: first in the call order whatever the line,
        and carried over at the day's end rather than closed."""
        return self.kind is VisitKind.EMERGENCY


class Removal(BaseModel):
    """The last act that took a visit off its list, and the visit as it was before, for an undo."""

    model_config = ConfigDict(frozen=True)

    event_id: UUID
    act: RemovalType
    at: datetime
    before: OpenVisit
    service_s: int | None = Field(default=None, description="the service time the completion recorded")


class FollowUp(BaseModel):
    """An emergency carried over from the day it came, until a host resolves it."""

    model_config = ConfigDict(frozen=True)

    visit_id: UUID
    ticket: str
    kind: VisitKind
    business_date: date
    since: datetime  # checked in


class OfficeQueue(BaseModel):
    """Open visits, ticket counters and recent service times of one office today; the removals of the
    last minutes, and the follow-ups of earlier days."""

    model_config = ConfigDict(frozen=True)

    office_id: str
    business_date: date | None = None
    day_closed: bool = False
    counters: dict[str, int] = Field(default_factory=dict)
    tickets: dict[UUID, str] = Field(default_factory=dict, description="every visit queued today")
    visits: dict[UUID, OpenVisit] = Field(default_factory=dict)
    service_seconds: dict[str, list[int]] = Field(default_factory=dict, description="recent, per line")
    reason_seconds: dict[str, list[int]] = Field(default_factory=dict, description="recent, per reason")
    walk_seconds: list[int] = Field(default_factory=list, description="recent, first call to start")
    turnover_seconds: list[int] = Field(
        default_factory=list, description="recent, a room freed to its next call while someone waited"
    )
    freed_at: dict[str, datetime] = Field(default_factory=dict, description="rooms freed, not called to")
    closed_rooms: frozenset[str] = Field(default_factory=frozenset, description="out of service today")
    closed_until: dict[str, datetime] = Field(
        default_factory=dict, description="closed rooms' expected return, those the host said"
    )
    arrived: dict[str, list[datetime]] = Field(default_factory=dict, description="the last hour's, per line")
    hourly_arrivals: dict[str, dict[int, int]] = Field(
        default_factory=dict, description="today's check-ins per line and local hour"
    )
    whole_day: bool = Field(
        default=False,
        description="today counted from the day's start (not from a state's first day, stored or replayed "
        "from part of a day): only such a day joins the history",
    )
    history: ArrivalHistory = Field(
        default_factory=ArrivalHistory, description="the past days' check-ins, kept across days"
    )
    talks: TalkHistory = Field(
        default_factory=TalkHistory, description="the past days' conversation lengths, kept across days"
    )
    removed: dict[UUID, Removal] = Field(default_factory=dict, description="the last minutes' removals")
    follow_ups: dict[UUID, FollowUp] = Field(default_factory=dict, description="kept across days")

    def visit(self, visit_id: UUID) -> OpenVisit | None:
        return self.visits.get(visit_id)

    def occupant(self, room_id: str) -> OpenVisit | None:
        return _occupants(self.visits).get(room_id)

    def occupants(self) -> dict[str, OpenVisit]:
        """Each occupied room's visit (not to be changed: it is shared)."""
        return _occupants(self.visits)

    def waiting(self) -> list[OpenVisit]:
        return list(_waiting(self.visits))


# What is worked out from a visits mapping (the rooms' occupants, those waiting), for the mappings last
# asked about. The estimator asks about every room at every play (80 rooms and 4 plays a forecast in the
# bench's offices), and a batch asks for those waiting several times (the forecast, the lines' counts, the
# picture's order); scanning the visits each time was a seventh of the queue worker's time. A state's
# mapping is never changed in place (every change makes a new one, the states being frozen), so the
# mapping itself is the key: the entry holds it, so its id is no other mapping's while it is cached.
_OCCUPANTS: dict[int, tuple[dict[UUID, OpenVisit], dict[str, OpenVisit]]] = {}
_WAITING: dict[int, tuple[dict[UUID, OpenVisit], list[OpenVisit]]] = {}
OCCUPANTS_KEPT = 1024
_T = TypeVar("_T")


def _kept(
    cache: dict[int, tuple[dict[UUID, OpenVisit], _T]],
    visits: dict[UUID, OpenVisit],
    make: Callable[[dict[UUID, OpenVisit]], _T],
) -> _T:
    entry = cache.get(id(visits))
    if entry is None or entry[0] is not visits:
        if len(cache) >= OCCUPANTS_KEPT:
            cache.clear()
        entry = cache[id(visits)] = (visits, make(visits))
    return entry[1]


def _by_room(visits: dict[UUID, OpenVisit]) -> dict[str, OpenVisit]:
    by_room: dict[str, OpenVisit] = {}
    for visit in visits.values():
        if visit.room_id is not None:
            by_room.setdefault(visit.room_id, visit)
    return by_room


def _occupants(visits: dict[UUID, OpenVisit]) -> dict[str, OpenVisit]:
    """Each occupied room's visit (the first in the mapping, should two say the same room)."""
    return _kept(_OCCUPANTS, visits, _by_room)


def _waiting(visits: dict[UUID, OpenVisit]) -> list[OpenVisit]:
    """The waiting visits, on hold too, in the mapping's order (not to be changed: it is shared)."""
    return _kept(_WAITING, visits, lambda vs: [v for v in vs.values() if v.stage is VisitStage.WAITING])


def _ticket_number(ticket: str) -> tuple[str, int]:
    prefix, _, number = ticket.partition("-")
    return prefix, int(number)


def _replace(state: OfficeQueue, visit: OpenVisit, **changes: object) -> OfficeQueue:
    visits = dict(state.visits)
    visits[visit.visit_id] = visit.model_copy(update=changes)
    return state.model_copy(update={"visits": visits})


def _close(state: OfficeQueue, visit_id: UUID) -> OfficeQueue:
    visits = dict(state.visits)
    visits.pop(visit_id, None)
    return state.model_copy(update={"visits": visits})


def _latest(recent: list[int], seconds: int) -> list[int]:
    return [*recent, seconds][-RECENT_DURATIONS:]


def _recent(state: OfficeQueue, visit: OpenVisit, seconds: int) -> OfficeQueue:
    line, reason = visit.line_id, visit.reason.value
    return state.model_copy(
        update={
            "service_seconds": {
                **state.service_seconds,
                line: _latest(state.service_seconds.get(line, []), seconds),
            },
            "reason_seconds": {
                **state.reason_seconds,
                reason: _latest(state.reason_seconds.get(reason, []), seconds),
            },
        }
    )


def _without_latest(recent: list[int], seconds: int) -> list[int]:
    recent = list(recent)
    if seconds in recent:
        del recent[len(recent) - 1 - recent[::-1].index(seconds)]
    return recent


def _unrecorded(state: OfficeQueue, visit: OpenVisit, seconds: int) -> OfficeQueue:
    """The recent service times without the latest `seconds` of a visit's line and reason (a completion
    undone)."""
    line, reason = visit.line_id, visit.reason.value
    return state.model_copy(
        update={
            "service_seconds": {
                **state.service_seconds,
                line: _without_latest(state.service_seconds.get(line, []), seconds),
            },
            "reason_seconds": {
                **state.reason_seconds,
                reason: _without_latest(state.reason_seconds.get(reason, []), seconds),
            },
        }
    )


def _vacated(state: OfficeQueue, visit: OpenVisit, at: datetime) -> OfficeQueue:
    """A visit left its room (completed, gone, held, moved): the room is free from `at`."""
    if visit.room_id is None:
        return state
    return state.model_copy(update={"freed_at": {**state.freed_at, visit.room_id: at}})


def _called_to(state: OfficeQueue, visit: OpenVisit, room_id: str, at: datetime) -> OfficeQueue:
    """A first call to a room: how long the room stood free, when this visitor was already waiting as it
    came free (the office's turnover between conversations, not a room idle for want of visitors)."""
    freed = state.freed_at.get(room_id)
    if freed is None:
        return state
    update: dict[str, object] = {"freed_at": {k: v for k, v in state.freed_at.items() if k != room_id}}
    if visit.checked_in_at <= freed <= at:
        update["turnover_seconds"] = _latest(state.turnover_seconds, int((at - freed).total_seconds()))
    return state.model_copy(update=update)


def _arrived(state: OfficeQueue, line_id: str, at: datetime, zone: ZoneInfo) -> OfficeQueue:
    arrived = state.arrived.get(line_id, [])
    # Kept in the order folded, nearly always that of time: the old ones are dropped from the front
    # (one out of order stays until those before it go; the estimator counts by time, not by place).
    old = 0
    while old < len(arrived) and at - arrived[old] >= ARRIVALS_WINDOW:
        old += 1
    kept = arrived[old:]
    hour = at.astimezone(zone).hour
    hours = state.hourly_arrivals.get(line_id, {})
    counted = {**state.hourly_arrivals, line_id: {**hours, hour: hours.get(hour, 0) + 1}}
    return state.model_copy(
        update={"arrived": {**state.arrived, line_id: [*kept, at]}, "hourly_arrivals": counted}
    )


def _forget_old_removals(state: OfficeQueue, now: datetime) -> OfficeQueue:
    # Looked at when the first kept (nearly always the oldest) is due: an undo checks its own time.
    if not state.removed or now - next(iter(state.removed.values())).at <= REMOVALS_KEPT:
        return state
    kept = {visit_id: r for visit_id, r in state.removed.items() if now - r.at <= REMOVALS_KEPT}
    return state.model_copy(update={"removed": kept})


def _removed(
    state: OfficeQueue,
    event: ServiceCompleted | VisitorNoShow | VisitCancelled | VisitTransferred,
    before: OpenVisit,
    service_s: int | None = None,
) -> OfficeQueue:
    """Remembers a removal for an undo, in place of the visit's earlier one."""
    removal = Removal(
        event_id=event.event_id, act=event.type, at=event.occurred_at, before=before, service_s=service_s
    )
    return state.model_copy(update={"removed": {**state.removed, before.visit_id: removal}})


def _settled(state: OfficeQueue, visit_id: UUID) -> OfficeQueue:
    """Forgets a visit's removal: something else happened to it since, so the removal is not its last act."""
    if visit_id not in state.removed:
        return state
    return state.model_copy(update={"removed": {k: r for k, r in state.removed.items() if k != visit_id}})


def new_day(state: OfficeQueue, day: date) -> OfficeQueue:
    """A new business day: nothing of the old one but the follow-ups and the history of arrivals, which
    the old day's check-ins join if it was counted whole, and of conversations, which its last
    conversations join."""
    history = state.history
    if state.business_date is not None and state.whole_day and state.hourly_arrivals:
        history = folded(history, state.business_date, state.hourly_arrivals)
    return OfficeQueue(
        office_id=state.office_id,
        business_date=day,
        whole_day=state.business_date is not None,
        follow_ups=state.follow_ups,
        history=history,
        talks=talks_folded(state.talks, state.reason_seconds, state.service_seconds),
    )


def evolve(state: OfficeQueue, event: Event, zone: ZoneInfo = OSLO) -> OfficeQueue:
    """Applies one queue event. Events the queue does not keep (check-ins, redirects) change nothing.
    `zone` is the offices' (the hour a check-in is counted in)."""
    if isinstance(event, OfficeDayClosed):
        # open visits are gone; the day's counters stay, so a late emergency never repeats a ticket
        return state.model_copy(update={"visits": {}, "removed": {}, "day_closed": True})
    if isinstance(event, RoomClosed | RoomOpened):
        if state.business_date is None or event.business_date > state.business_date:
            state = new_day(state, event.business_date)
        elif event.business_date < state.business_date:
            return state  # of a day that is over: every room opened with the new day
        closed = (
            state.closed_rooms | {event.room_id}
            if isinstance(event, RoomClosed)
            else state.closed_rooms - {event.room_id}
        )
        until = {room: at for room, at in state.closed_until.items() if room != event.room_id}
        if isinstance(event, RoomClosed) and event.until is not None:
            until[event.room_id] = event.until
        return state.model_copy(update={"closed_rooms": closed, "closed_until": until})
    if not isinstance(event, VisitEvent):
        return state
    state = _forget_old_removals(state, event.occurred_at)
    if isinstance(event, VisitorQueued):
        if state.business_date is None or event.business_date > state.business_date:
            state = new_day(state, event.business_date)
        prefix, number = _ticket_number(event.ticket)
        visit = OpenVisit(
            visit_id=event.visit_id,
            ticket=event.ticket,
            line_id=event.line_id,
            kind=event.kind,
            reason=event.reason,
            checked_in_at=event.checked_in_at,
            appointment_at=event.appointment_at,
            counsellor_id=event.counsellor_id,
            needs=event.needs,
        )
        state = state.model_copy(
            update={
                "day_closed": False,
                "counters": {**state.counters, prefix: max(number, state.counters.get(prefix, 0))},
                "tickets": {**state.tickets, event.visit_id: event.ticket},
                "visits": {**state.visits, event.visit_id: visit},
            }
        )
        return _arrived(state, event.line_id, event.checked_in_at, zone)
    if isinstance(event, VisitCarriedOver):
        follow_up = FollowUp(
            visit_id=event.visit_id,
            ticket=event.ticket,
            kind=event.kind,
            business_date=event.business_date,
            since=event.checked_in_at,
        )
        state = _close(_settled(state, event.visit_id), event.visit_id)
        return state.model_copy(update={"follow_ups": {**state.follow_ups, event.visit_id: follow_up}})
    if isinstance(event, FollowUpResolved):
        follow_ups = {k: f for k, f in state.follow_ups.items() if k != event.visit_id}
        return state.model_copy(update={"follow_ups": follow_ups})
    if isinstance(event, VisitRestored):
        removal = state.removed.get(event.visit_id)
        if removal is None or removal.event_id != event.undone_event_id:
            return state
        state = _settled(state, event.visit_id)
        if removal.service_s is not None:
            state = _unrecorded(state, removal.before, removal.service_s)
        freed = {k: v for k, v in state.freed_at.items() if k != removal.before.room_id}
        return state.model_copy(
            update={"visits": {**state.visits, event.visit_id: removal.before}, "freed_at": freed}
        )
    known = state.visit(event.visit_id)
    if known is None:
        return state
    visit = known
    state = _settled(state, visit.visit_id)
    if isinstance(event, VisitorCalled):
        if event.call_number == 1:
            state = _called_to(state, visit, event.room_id, event.occurred_at)
        return _replace(
            state,
            visit,
            stage=VisitStage.CALLED,
            room_id=event.room_id,
            calls=event.call_number,
            called_at=event.occurred_at,
        )
    if isinstance(event, ServiceStarted):
        if visit.called_at is not None and visit.stage is VisitStage.CALLED:
            walked = int((event.occurred_at - visit.called_at).total_seconds())
            state = state.model_copy(update={"walk_seconds": _latest(state.walk_seconds, walked)})
        return _replace(state, visit, stage=VisitStage.IN_SERVICE, started_at=event.occurred_at)
    if isinstance(event, ServiceCompleted):
        began = visit.started_at or visit.called_at
        seconds = int((event.occurred_at - began).total_seconds()) if began is not None else None
        state = _removed(
            _close(_vacated(state, visit, event.occurred_at), visit.visit_id), event, visit, seconds
        )
        return state if seconds is None else _recent(state, visit, seconds)
    if visit.room_id is not None and isinstance(
        event, VisitTransferred | VisitHeld | VisitorNoShow | VisitCancelled | VisitClosedAtDayEnd
    ):
        state = _vacated(state, visit, event.occurred_at)
    if isinstance(event, VisitTransferred):
        state = _replace(
            state,
            visit,
            line_id=event.to_line_id,
            counsellor_id=event.counsellor_id,
            stage=VisitStage.WAITING,
            room_id=None,
            calls=0,
            called_at=None,
            started_at=None,
        )
        return _removed(state, event, visit)
    if isinstance(event, VisitHeld):
        return _replace(
            state, visit, stage=VisitStage.WAITING, room_id=None, calls=0, called_at=None, held=True
        )
    if isinstance(event, VisitReturned):
        return _replace(state, visit, held=False)
    if isinstance(event, VisitorNoShow | VisitCancelled):
        return _removed(_close(state, visit.visit_id), event, visit)
    if isinstance(event, VisitClosedAtDayEnd):
        return _close(state, visit.visit_id)
    return state
