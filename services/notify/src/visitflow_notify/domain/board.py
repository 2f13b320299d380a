"""A waiting-room display's board: the latest calls (newest first) and, per line, who is waiting and the
expected wait. Tickets and rooms only, never names."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from visitflow_events import (
    Event,
    OfficeDayClosed,
    ServiceCompleted,
    ServiceStarted,
    VisitCancelled,
    VisitClosedAtDayEnd,
    VisitorCalled,
    VisitorNoShow,
    VisitorQueued,
    VisitTransferred,
)


class Call(BaseModel):
    model_config = ConfigDict(frozen=True)

    event_id: UUID
    visit_id: UUID
    ticket: str
    room_id: str
    call_number: int
    called_at: datetime


class LineBoard(BaseModel):
    model_config = ConfigDict(frozen=True)

    waiting: tuple[UUID, ...] = ()
    expected_wait_s: int = 0


class Board(BaseModel):
    model_config = ConfigDict(frozen=True)

    office_id: str
    calls: tuple[Call, ...] = ()
    lines: dict[str, LineBoard] = {}
    # every visit queued today: a VisitorQueued delivered again after its call must not re-queue it
    queued: frozenset[UUID] = frozenset()


def _without(board: Board, visit_id: UUID) -> dict[str, LineBoard]:
    lines = {}
    for line_id, line in board.lines.items():
        waiting = tuple(v for v in line.waiting if v != visit_id)
        lines[line_id] = line.model_copy(
            update={"waiting": waiting, "expected_wait_s": line.expected_wait_s if waiting else 0}
        )
    return lines


def _join(lines: dict[str, LineBoard], line_id: str, visit_id: UUID, expected_wait_s: int | None) -> None:
    line = lines.get(line_id, LineBoard())
    wait = line.expected_wait_s if expected_wait_s is None else expected_wait_s
    lines[line_id] = LineBoard(waiting=(*line.waiting, visit_id), expected_wait_s=wait)


def apply(board: Board, event: Event, keep: int = 8) -> Board:
    """The board after one event; the same event twice changes nothing."""
    if isinstance(event, OfficeDayClosed):
        return Board(office_id=board.office_id)
    if isinstance(event, VisitorQueued):
        if event.visit_id in board.queued:
            return board
        lines = dict(board.lines)
        # the newest arrival's estimate is the wait a visitor joining now can expect
        _join(lines, event.line_id, event.visit_id, event.estimated_wait_s)
        return board.model_copy(update={"lines": lines, "queued": board.queued | {event.visit_id}})
    if isinstance(event, VisitorCalled):
        if any(call.event_id == event.event_id for call in board.calls):
            return board
        call = Call(
            event_id=event.event_id,
            visit_id=event.visit_id,
            ticket=event.ticket,
            room_id=event.room_id,
            call_number=event.call_number,
            called_at=event.occurred_at,
        )
        others = tuple(c for c in board.calls if c.visit_id != event.visit_id)
        return board.model_copy(
            update={"calls": (call, *others)[:keep], "lines": _without(board, event.visit_id)}
        )
    if isinstance(event, VisitTransferred):
        lines = _without(board, event.visit_id)
        _join(lines, event.to_line_id, event.visit_id, None)
        calls = tuple(c for c in board.calls if c.visit_id != event.visit_id)
        return board.model_copy(update={"lines": lines, "calls": calls})
    if isinstance(
        event, ServiceStarted | ServiceCompleted | VisitorNoShow | VisitCancelled | VisitClosedAtDayEnd
    ):
        # the visitor has arrived (or will not): the call leaves the board
        calls = tuple(c for c in board.calls if c.visit_id != event.visit_id)
        lines = _without(board, event.visit_id)
        if calls == board.calls and lines == board.lines:
            return board
        return board.model_copy(update={"calls": calls, "lines": lines})
    return board
