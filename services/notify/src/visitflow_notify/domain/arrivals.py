"""Today's arrivals for each counsellor: the visits assigned to a counsellor, from the moment they are in
the queue, with how far each has come (waiting, called to a room, in the room, done). Ticket, time and
room only, never anything about the visitor."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from visitflow_events import (
    Event,
    ServiceCompleted,
    ServiceStarted,
    VisitCancelled,
    VisitCarriedOver,
    VisitClosedAtDayEnd,
    VisitHeld,
    VisitorCalled,
    VisitorNoShow,
    VisitorQueued,
    VisitRestored,
    VisitTransferred,
)

# An office's arrivals of a day; past it the oldest finished ones are forgotten first.
KEEP = 300


class Stage(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    IN_SERVICE = "in_service"
    DONE = "done"


class Arrival(BaseModel):
    model_config = ConfigDict(frozen=True)

    visit_id: UUID
    ticket: str
    counsellor_id: str
    arrived_at: datetime
    stage: Stage = Stage.WAITING
    room_id: str | None = None


def _replace(arrivals: tuple[Arrival, ...], visit_id: UUID, **update: object) -> tuple[Arrival, ...]:
    """The arrivals with one visit's changed; the same tuple when nothing changes."""
    changed = False
    result = []
    for arrival in arrivals:
        if arrival.visit_id == visit_id:
            after = arrival.model_copy(update=update)
            changed = changed or after != arrival
            arrival = after
        result.append(arrival)
    return tuple(result) if changed else arrivals


def _bounded(arrivals: tuple[Arrival, ...]) -> tuple[Arrival, ...]:
    if len(arrivals) <= KEEP:
        return arrivals
    done = [a for a in arrivals if a.stage is Stage.DONE][: len(arrivals) - KEEP]
    forgotten = {a.visit_id for a in done}
    return tuple(a for a in arrivals if a.visit_id not in forgotten)[-KEEP:]


def arrive(arrivals: tuple[Arrival, ...], event: Event) -> tuple[Arrival, ...]:
    """The arrivals after one event, oldest first; the same tuple when the event changes nothing (also
    when it is delivered again)."""
    if isinstance(event, VisitorQueued):
        if event.counsellor_id is None or any(a.visit_id == event.visit_id for a in arrivals):
            return arrivals
        arrival = Arrival(
            visit_id=event.visit_id,
            ticket=event.ticket,
            counsellor_id=event.counsellor_id,
            arrived_at=event.checked_in_at,
        )
        return _bounded((*arrivals, arrival))
    if isinstance(event, VisitTransferred):
        return _handed(arrivals, event, event.counsellor_id, Stage.WAITING, None)
    if isinstance(event, VisitRestored):  # back as before a removal: with its counsellor, or none
        return _handed(arrivals, event, event.counsellor_id, Stage(event.stage.value), event.room_id)
    if isinstance(event, VisitHeld):
        return _replace(arrivals, event.visit_id, stage=Stage.WAITING, room_id=None)
    if isinstance(event, VisitorCalled):
        return _replace(arrivals, event.visit_id, stage=Stage.CALLED, room_id=event.room_id)
    if isinstance(event, ServiceStarted):
        return _replace(arrivals, event.visit_id, stage=Stage.IN_SERVICE, room_id=event.room_id)
    if isinstance(
        event, ServiceCompleted | VisitorNoShow | VisitCancelled | VisitClosedAtDayEnd | VisitCarriedOver
    ):
        return _replace(arrivals, event.visit_id, stage=Stage.DONE)
    return arrivals


def _handed(
    arrivals: tuple[Arrival, ...],
    event: VisitTransferred | VisitRestored,
    counsellor_id: str | None,
    stage: Stage,
    room_id: str | None,
) -> tuple[Arrival, ...]:
    """A visit (re)assigned: to no counsellor it leaves the lists; to one, it is in their list at `stage`
    (arriving there at the handover, if it was in none)."""
    if counsellor_id is None:  # no longer any counsellor's own
        kept = tuple(a for a in arrivals if a.visit_id != event.visit_id)
        return kept if len(kept) != len(arrivals) else arrivals
    if any(a.visit_id == event.visit_id for a in arrivals):
        return _replace(arrivals, event.visit_id, counsellor_id=counsellor_id, stage=stage, room_id=room_id)
    arrival = Arrival(
        visit_id=event.visit_id,
        ticket=event.ticket,
        counsellor_id=counsellor_id,
        arrived_at=event.occurred_at,
        stage=stage,
        room_id=room_id,
    )
    return _bounded((*arrivals, arrival))
