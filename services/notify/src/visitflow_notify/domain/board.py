"""A waiting-room display's board: the latest calls (newest first), and per line who is waiting and the
expected wait. Tickets and rooms only, never names.

A call stays on the board after its visitor went in, marked so, for a while (`shown`): a display that
just went quiet still shows that calls were made, and a visitor who looked away sees where the last
tickets went. The board also holds the office's counsellor arrivals (`arrivals`), which are kept with
it.

A removal a host undid (`VisitRestored`) puts the visit back where it was: waiting in its line, or its
call on the board again. The board remembers the removals undone today, so a removal delivered again
after its undo changes nothing.

What a board holds is in proportion to the office's open visits, not to its day: the tickets of the
visits not over, and the visits over in the last `ENDED_KEPT`
(docs/decisions/notify-board-holds-the-open-visits.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, model_validator
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

# How long a visit over stays on the board: its visitor's page says it is over (a link opened later,
# more than `visit_links.PENDING_AT_MOST` after it was made, finds its visit on no board and is over
# too), and its VisitorQueued, delivered again by a worker resuming from its last commit, is known for
# one delivered before.
ENDED_KEPT = timedelta(minutes=15)
_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


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
    arrivals: tuple[Arrival, ...] = ()
    # the removals undone today (`VisitRestored.undone_event_id`): delivered again, they change nothing
    undone: frozenset[UUID] = frozenset()
    closed_rooms: frozenset[str] = frozenset()  # out of service today (`RoomClosed`, `RoomOpened`)
    closed_until: dict[str, datetime] = {}  # of those, when their host expects them back (`RoomClosed.until`)
    # for the visitors' own pages: each visit's ticket until it is over, and who stepped out (on hold);
    # a VisitorQueued of a visit here or over (`ended`), delivered again, must not queue it again
    tickets: dict[UUID, str] = {}
    held: frozenset[UUID] = frozenset()
    ended: dict[UUID, datetime] = {}  # the visits over in the last `ENDED_KEPT`, and when

    @model_validator(mode="before")
    @classmethod
    def _from_a_whole_day(cls, stored: Any) -> Any:
        """A board stored when it held the whole day (every visit queued, and over, today): the visits
        over are taken to be long over, and their tickets are forgotten."""
        if isinstance(stored, dict) and isinstance(stored.get("ended"), list | tuple | frozenset | set):
            ended = {str(visit_id) for visit_id in stored["ended"]}
            stored = {key: value for key, value in stored.items() if key != "queued"}
            stored["ended"] = dict.fromkeys(ended, _LONG_AGO)
            tickets = stored.get("tickets") or {}
            stored["tickets"] = {k: v for k, v in tickets.items() if str(k) not in ended}
        return stored

    def queued(self, visit_id: UUID) -> bool:
        """Queued today and not long over."""
        return visit_id in self.tickets or visit_id in self.ended


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


def _ended(board: Board, event: Event) -> dict[UUID, datetime]:
    """The visits queued today that are over (completed, not shown, cancelled or closed) in the last
    `ENDED_KEPT` before the event; back again when undone."""
    ended = board.ended
    if isinstance(event, _ENDS) and event.visit_id in board.tickets:
        since = event.occurred_at - ENDED_KEPT
        return {**{v: at for v, at in ended.items() if at > since}, event.visit_id: event.occurred_at}
    if isinstance(event, VisitRestored) and event.visit_id in ended:
        return {visit_id: at for visit_id, at in ended.items() if visit_id != event.visit_id}
    return ended


def _tickets(board: Board, event: Event) -> dict[UUID, str]:
    """The tickets of the visits not over: each from its queueing until it is over, again when undone."""
    tickets = board.tickets
    if isinstance(event, VisitorQueued | VisitRestored):
        return {**tickets, event.visit_id: event.ticket}
    if isinstance(event, _ENDS) and event.visit_id in tickets:
        return {visit_id: ticket for visit_id, ticket in tickets.items() if visit_id != event.visit_id}
    return tickets


def apply(board: Board, event: Event, keep: int = 8) -> Board:
    """The board after one event, keeping the latest `keep` calls; the same event twice changes nothing,
    and a part the event leaves alone stays the same object (so a caller can tell what changed)."""
    if isinstance(event, OfficeDayClosed):
        return Board(office_id=board.office_id)
    update: dict[str, object] = {}
    if isinstance(event, VisitorQueued) and board.queued(event.visit_id):
        return board
    if event.event_id in board.undone:  # a removal undone, delivered again
        return board
    if isinstance(event, VisitRestored):
        if event.undone_event_id in board.undone:
            return board
        update["undone"] = board.undone | {event.undone_event_id}
    if (held := _held(board.held, event)) is not board.held:
        update["held"] = held
    if (ended := _ended(board, event)) is not board.ended:
        update["ended"] = ended
    if (tickets := _tickets(board, event)) is not board.tickets:
        update["tickets"] = tickets
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
