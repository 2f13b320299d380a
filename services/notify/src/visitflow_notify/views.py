"""What a waiting-room display receives: the board in the office's words (room and line names, today's
drop-in hours). Built from the board and the office configuration; no visit ids, no names."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from visitflow_events import Event, as_dict
from visitflow_offices import Office, office_hours

from .domain import Board


def display_view(board: Board, office: Office, now: datetime) -> dict[str, Any]:
    hours = office_hours(office, now)
    calls = [
        {
            "event_id": str(call.event_id),
            "ticket": call.ticket,
            "room_id": call.room_id,
            "room": (room.name if (room := office.room(call.room_id)) else call.room_id),
            "call_number": call.call_number,
            "called_at": call.called_at.isoformat(),
        }
        for call in board.calls
    ]
    lines = [
        {
            "line_id": line.id,
            "name": line.name,
            "prefix": line.prefix,
            "waiting": len(board.lines[line.id].waiting) if line.id in board.lines else 0,
            "expected_wait_s": board.lines[line.id].expected_wait_s if line.id in board.lines else 0,
        }
        for line in office.lines
    ]
    return {
        "office_id": office.id,
        "name": office.name,
        "calls": calls,
        "lines": lines,
        "drop_in_today": [span.label() for span in hours.drop_in_today],
    }


def display_frame(view: dict[str, Any], event: Event | None = None) -> str:
    body: dict[str, Any] = {"display": view}
    if event is not None:
        body["event"] = {
            key: value
            for key, value in as_dict(event).items()
            if key in ("type", "event_id", "ticket", "room_id", "call_number", "occurred_at")
        }
    return orjson.dumps(body).decode()
