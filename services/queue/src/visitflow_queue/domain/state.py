"""The state of one office's queue for one day, and how each event changes it (`evolve`).

The same fold serves the worker (its faust table), the read model in Redis and the rebuild from
Kafka, which is why a rebuilt system shows exactly what the old one showed.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from visitflow_events import (
    Event,
    Needs,
    OfficeDayClosed,
    Reason,
    ServiceCompleted,
    ServiceStarted,
    VisitCancelled,
    VisitClosedAtDayEnd,
    VisitEvent,
    VisitKind,
    VisitorCalled,
    VisitorNoShow,
    VisitorQueued,
    VisitStage,
    VisitTransferred,
)

RECENT_DURATIONS = 10


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


class OfficeQueue(BaseModel):
    """Open visits, ticket counters and recent service times of one office today."""

    model_config = ConfigDict(frozen=True)

    office_id: str
    business_date: date | None = None
    day_closed: bool = False
    counters: dict[str, int] = Field(default_factory=dict)
    tickets: dict[UUID, str] = Field(default_factory=dict, description="every visit queued today")
    visits: dict[UUID, OpenVisit] = Field(default_factory=dict)
    service_seconds: dict[str, list[int]] = Field(default_factory=dict, description="recent, per line")

    def visit(self, visit_id: UUID) -> OpenVisit | None:
        return self.visits.get(visit_id)

    def occupant(self, room_id: str) -> OpenVisit | None:
        return next((v for v in self.visits.values() if v.room_id == room_id), None)

    def waiting(self) -> list[OpenVisit]:
        return [v for v in self.visits.values() if v.stage is VisitStage.WAITING]


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


def evolve(state: OfficeQueue, event: Event) -> OfficeQueue:
    """Applies one queue event. Events the queue does not keep (check-ins, redirects) change nothing."""
    if isinstance(event, OfficeDayClosed):
        # open visits are gone; the day's counters stay, so a late emergency never repeats a ticket
        return state.model_copy(update={"visits": {}, "day_closed": True})
    if not isinstance(event, VisitEvent):
        return state
    if isinstance(event, VisitorQueued):
        if state.business_date is None or event.business_date > state.business_date:
            state = OfficeQueue(office_id=state.office_id, business_date=event.business_date)  # a new day
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
        return state.model_copy(
            update={
                "day_closed": False,
                "counters": {**state.counters, prefix: max(number, state.counters.get(prefix, 0))},
                "tickets": {**state.tickets, event.visit_id: event.ticket},
                "visits": {**state.visits, event.visit_id: visit},
            }
        )
    known = state.visit(event.visit_id)
    if known is None:
        return state
    visit = known
    if isinstance(event, VisitorCalled):
        return _replace(
            state,
            visit,
            stage=VisitStage.CALLED,
            room_id=event.room_id,
            calls=event.call_number,
            called_at=event.occurred_at,
        )
    if isinstance(event, ServiceStarted):
        return _replace(state, visit, stage=VisitStage.IN_SERVICE, started_at=event.occurred_at)
    if isinstance(event, ServiceCompleted):
        began = visit.started_at or visit.called_at
        state = _close(state, visit.visit_id)
        if began is None:
            return state
        recent = [
            *state.service_seconds.get(visit.line_id, []),
            int((event.occurred_at - began).total_seconds()),
        ][-RECENT_DURATIONS:]
        return state.model_copy(update={"service_seconds": {**state.service_seconds, visit.line_id: recent}})
    if isinstance(event, VisitTransferred):
        return _replace(
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
    if isinstance(event, VisitorNoShow | VisitCancelled | VisitClosedAtDayEnd):
        return _close(state, visit.visit_id)
    return state
