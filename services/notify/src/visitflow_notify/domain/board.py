"""A waiting-room display's board: the latest calls (newest first), and per line who is waiting and the
expected wait. Tickets and rooms only, never names.

A call stays on the board after its visitor went in, marked so, for a while (`shown`): a display that
just went quiet still shows that calls were made, and a visitor who looked away sees where the last
tickets went. The board also holds the office's counsellor arrivals (`arrivals`), which are kept with
it.

A removal a host undid (`VisitRestored`) puts the visit back where it was: waiting in its line, or its
call on the board again. The board remembers the removals undone today, so a removal delivered again
after its undo changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from visitflow_events import (
    Event,
    LineWait,
    OfficeDayClosed,
    RoomClosed,
    RoomOpened,
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
    VisitReturned,
    VisitStage,
    VisitTransferred,
    WaitEstimate,
    WaitsEstimated,
)

from .arrivals import Arrival, arrive


class Call(BaseModel):
    model_config = ConfigDict(frozen=True)

    event_id: UUID
    visit_id: UUID
    ticket: str
    room_id: str
    call_number: int
    called_at: datetime
    gone_in_at: datetime | None = None  # the visitor went into the room


class LineBoard(BaseModel):
    model_config = ConfigDict(frozen=True)

    waiting: tuple[UUID, ...] = ()
    estimate: WaitEstimate | None = None  # the queue's, as last published (`WaitsEstimated`)


class Board(BaseModel):
    model_config = ConfigDict(frozen=True)

    office_id: str
    calls: tuple[Call, ...] = ()
    lines: dict[str, LineBoard] = {}
    # every visit queued today: a VisitorQueued delivered again after its call must not re-queue it
    queued: frozenset[UUID] = frozenset()
    arrivals: tuple[Arrival, ...] = ()
    # the removals undone today (`VisitRestored.undone_event_id`): delivered again, they change nothing
    undone: frozenset[UUID] = frozenset()
    closed_rooms: frozenset[str] = frozenset()  # out of service today (`RoomClosed`, `RoomOpened`)
    closed_until: dict[str, datetime] = {}  # of those, when their host expects them back (`RoomClosed.until`)
    # for the visitors' own pages: each queued visit's ticket, and who stepped out (on hold)
    tickets: dict[UUID, str] = {}
    held: frozenset[UUID] = frozenset()
    ended: frozenset[UUID] = frozenset()


def shown(board: Board, now: datetime, linger: timedelta) -> tuple[Call, ...]:
    """The calls a display shows at `now`: every call still waiting for its visitor, and each call whose
    visitor went in less than `linger` ago."""
    return tuple(call for call in board.calls if call.gone_in_at is None or now < call.gone_in_at + linger)


def _calls(calls: tuple[Call, ...], event: Event, keep: int) -> tuple[Call, ...]:
    """The calls after one event; the same tuple when it changes none."""
    if isinstance(event, VisitorCalled):
        if any(call.event_id == event.event_id for call in calls):
            return calls
        call = Call(
            event_id=event.event_id,
            visit_id=event.visit_id,
            ticket=event.ticket,
            room_id=event.room_id,
            call_number=event.call_number,
            called_at=event.occurred_at,
        )
        return (call, *(c for c in calls if c.visit_id != event.visit_id))[:keep]
    if isinstance(event, ServiceStarted | ServiceCompleted):
        # the visitor went in (a visit completed without a start went in too): marked, not removed
        if not any(c.visit_id == event.visit_id and c.gone_in_at is None for c in calls):
            return calls
        return tuple(
            c.model_copy(update={"gone_in_at": event.occurred_at})
            if c.visit_id == event.visit_id and c.gone_in_at is None
            else c
            for c in calls
        )
    if isinstance(
        event,
        VisitTransferred
        | VisitorNoShow
        | VisitCancelled
        | VisitClosedAtDayEnd
        | VisitCarriedOver
        | VisitHeld,
    ):
        # the visitor did not come, stepped out, or waits in another line: the call leaves the board
        kept = tuple(c for c in calls if c.visit_id != event.visit_id)
        return kept if len(kept) != len(calls) else calls
    if isinstance(event, VisitRestored) and event.stage is VisitStage.CALLED and event.room_id is not None:
        # called again as before the removal (shown, not announced: the display announces calls only)
        if any(c.visit_id == event.visit_id for c in calls):
            return calls
        call = Call(
            event_id=event.event_id,
            visit_id=event.visit_id,
            ticket=event.ticket,
            room_id=event.room_id,
            call_number=max(1, event.calls),
            called_at=event.occurred_at,
        )
        return (call, *calls)[:keep]
    return calls


def _without(lines: dict[str, LineBoard], visit_id: UUID) -> dict[str, LineBoard]:
    """The lines without one visit; the same dict when it waits in none."""
    if not any(visit_id in line.waiting for line in lines.values()):
        return lines
    result = {}
    for line_id, line in lines.items():
        result[line_id] = line.model_copy(update={"waiting": tuple(v for v in line.waiting if v != visit_id)})
    return result


def _join(lines: dict[str, LineBoard], line_id: str, visit_id: UUID) -> dict[str, LineBoard]:
    line = lines.get(line_id, LineBoard())
    return {**lines, line_id: line.model_copy(update={"waiting": (*line.waiting, visit_id)})}


def _estimated(lines: dict[str, LineBoard], published_lines: tuple[LineWait, ...]) -> dict[str, LineBoard]:
    """The queue's estimates: the display shows the figure the tablet shows, never one of its own."""
    result = dict(lines)
    for published in published_lines:
        line = result.get(published.line_id, LineBoard())
        result[published.line_id] = line.model_copy(update={"estimate": published.estimate})
    return result


def _waits(lines: dict[str, LineBoard], visit_id: UUID) -> bool:
    return any(visit_id in line.waiting for line in lines.values())


def _lines(lines: dict[str, LineBoard], event: Event) -> dict[str, LineBoard]:
    """The lines after one event (a VisitorQueued not delivered before); the same dict when it changes
    none."""
    if isinstance(event, WaitsEstimated):
        return _estimated(lines, event.lines)
    if isinstance(event, VisitorQueued):  # the estimates after its batch may ride on it
        lines = _join(lines, event.line_id, event.visit_id)
        return _estimated(lines, event.waits.lines) if event.waits is not None else lines
    if isinstance(event, VisitTransferred):
        return _join(_without(lines, event.visit_id), event.to_line_id, event.visit_id)
    if isinstance(event, VisitHeld):  # waits on hold in their line; one who was called is back in it
        return lines if _waits(lines, event.visit_id) else _join(lines, event.line_id, event.visit_id)
    if isinstance(event, VisitRestored):
        lines = _without(lines, event.visit_id)
        if event.stage is VisitStage.WAITING:
            return _join(lines, event.line_id, event.visit_id)
        return lines
    if isinstance(
        event,
        VisitorCalled
        | ServiceStarted
        | ServiceCompleted
        | VisitorNoShow
        | VisitCancelled
        | VisitClosedAtDayEnd
        | VisitCarriedOver,
    ):
        return _without(lines, event.visit_id)
    return lines


def _held(held: frozenset[UUID], event: Event) -> frozenset[UUID]:
    """Who is on hold after one event: put on hold, until back, called or gone."""
    if isinstance(event, VisitHeld):
        return held | {event.visit_id}
    if (
        isinstance(
            event,
            VisitReturned
            | VisitorCalled
            | ServiceStarted
            | ServiceCompleted
            | VisitorNoShow
            | VisitCancelled
            | VisitClosedAtDayEnd
            | VisitCarriedOver,
        )
        and event.visit_id in held
    ):
        return held - {event.visit_id}
    return held


_ENDS = ServiceCompleted | VisitorNoShow | VisitCancelled | VisitClosedAtDayEnd | VisitCarriedOver


def _ended(board: Board, event: Event) -> frozenset[UUID]:
    """The visits queued today that are over: completed, not shown, cancelled or closed; back again
    when undone."""
    ended = board.ended
    if isinstance(event, _ENDS) and event.visit_id in board.queued and event.visit_id not in ended:
        return ended | {event.visit_id}
    if isinstance(event, VisitRestored) and event.visit_id in ended:
        return ended - {event.visit_id}
    return ended


def apply(board: Board, event: Event, keep: int = 8) -> Board:
    """The board after one event, keeping the latest `keep` calls; the same event twice changes nothing,
    and a part the event leaves alone stays the same object (so a caller can tell what changed)."""
    if isinstance(event, OfficeDayClosed):
        return Board(office_id=board.office_id)
    update: dict[str, object] = {}
    if isinstance(event, VisitorQueued) and event.visit_id in board.queued:
        return board
    if event.event_id in board.undone:  # a removal undone, delivered again
        return board
    if isinstance(event, VisitRestored):
        if event.undone_event_id in board.undone:
            return board
        update["undone"] = board.undone | {event.undone_event_id}
    if isinstance(event, VisitorQueued):
        update["queued"] = board.queued | {event.visit_id}
        update["tickets"] = {**board.tickets, event.visit_id: event.ticket}
    if (held := _held(board.held, event)) is not board.held:
        update["held"] = held
    if (ended := _ended(board, event)) is not board.ended:
        update["ended"] = ended
    if (calls := _calls(board.calls, event, keep)) is not board.calls:
        update["calls"] = calls
    if (lines := _lines(board.lines, event)) is not board.lines:
        update["lines"] = lines
    if (arrivals := arrive(board.arrivals, event)) is not board.arrivals:
        update["arrivals"] = arrivals
    if isinstance(event, RoomClosed | RoomOpened):
        closed = (
            board.closed_rooms | {event.room_id}
            if isinstance(event, RoomClosed)
            else board.closed_rooms - {event.room_id}
        )
        if closed != board.closed_rooms:
            update["closed_rooms"] = closed
        until = {room: at for room, at in board.closed_until.items() if room != event.room_id}
        if isinstance(event, RoomClosed) and event.until is not None:
            until[event.room_id] = event.until
        if until != board.closed_until:
            update["closed_until"] = until
    return board.model_copy(update=update) if update else board
