"""What the office's screens receive, in the office's words (room and line names, counsellors' labels):
the waiting-room display's board, the office's day as the display shows it, and the counsellors' arrivals.
Built from the board and the office configuration; no visit ids, no names."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from visitflow_events import Event
from visitflow_offices import Office, office_hours

from .board import Board, shown


def _room(office: Office, room_id: str) -> str:
    return room.name if (room := office.room(room_id)) else room_id


def display_view(board: Board, office: Office, now: datetime, linger: timedelta) -> dict[str, Any]:
    """The board at `now`. A call whose visitor went in says until when it is shown (`until`), so a
    screen drops it on time without another frame."""
    calls = [
        {
            "event_id": str(call.event_id),
            "ticket": call.ticket,
            "room_id": call.room_id,
            "room": _room(office, call.room_id),
            "call_number": call.call_number,
            "called_at": call.called_at.isoformat(),
            "gone_in": call.gone_in_at is not None,
            "until": (call.gone_in_at + linger).isoformat() if call.gone_in_at else None,
        }
        for call in shown(board, now, linger)
    ]
    lines = []
    for line in office.lines:
        on_board = board.lines.get(line.id)
        waiting = on_board.waiting if on_board else ()
        estimate = on_board.estimate if on_board and waiting else None
        minutes, minutes_to = estimate.said() if estimate else (None, None)
        lines.append(
            {
                "line_id": line.id,
                "name": line.name,
                "prefix": line.prefix,
                "waiting": len(waiting),
                "expected_wait_s": estimate.expected_s if estimate else 0,
                "expected_minutes": minutes,
                "expected_minutes_to": minutes_to,
                "no_room": estimate.no_room if estimate else False,
            }
        )
    return {
        "office_id": office.id,
        "name": office.name,
        "public_pcs": office.public_pcs,
        "follow_on_phone": office.policy.visitor_page_on_display,
        "calls": calls,
        "lines": lines,
        "rooms_closed": [room.name for room in office.rooms if room.id in board.closed_rooms],
        # by room name, when each closed room's host expects it back (an instant; the screen says its time)
        "rooms_closed_until": {
            room.name: board.closed_until[room.id].isoformat()
            for room in office.rooms
            if room.id in board.closed_rooms and room.id in board.closed_until
        },
    }


def current(view: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A stored board as it stands at `now`: without the calls whose time on the screen is over."""
    calls = [c for c in view["calls"] if c["until"] is None or now < datetime.fromisoformat(c["until"])]
    return view if len(calls) == len(view["calls"]) else {**view, "calls": calls}


def day_view(office: Office, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """The office's day at `now` on its clocks (`zone`), as the display shows it: today's opening and
    drop-in hours. Served fresh by the API, never stored: a board written yesterday must not tell
    today's hours."""
    hours = office_hours(office, now, zone)
    return {
        "date": hours.local_time.date().isoformat(),
        "open_today": [span.label() for span in hours.opening_today],
        "drop_in_today": [span.label() for span in hours.drop_in_today],
        "drop_in_open": hours.drop_in_open,
    }


_ANNOUNCED = {"type", "event_id", "ticket", "room_id", "call_number", "occurred_at"}


def display_frame(view: dict[str, Any], event: Event | None = None) -> str:
    body: dict[str, Any] = {"display": view}
    if event is not None:
        # only the fields a display announces are dumped: a `VisitorQueued` also carries its batch's
        # estimates, which the board already shows
        body["event"] = event.model_dump(mode="json", include=_ANNOUNCED, exclude_none=True)
    return orjson.dumps(body).decode()


def counsellor_view(board: Board, office: Office) -> dict[str, Any]:
    """The office's counsellors (to choose from) and today's arrivals, each for a counsellor the office
    has: ticket, time of arrival, how far the visit has come and its room."""
    arrivals = [
        {
            "ticket": arrival.ticket,
            "counsellor_id": counsellor.id,
            "arrived_at": arrival.arrived_at.isoformat(),
            "stage": arrival.stage.value,
            "room": _room(office, arrival.room_id) if arrival.room_id else None,
        }
        for arrival in board.arrivals
        if (counsellor := office.counsellor(arrival.counsellor_id)) is not None
    ]
    return {
        "office_id": office.id,
        "name": office.name,
        "counsellors": [{"counsellor_id": c.id, "name": c.name} for c in office.counsellors],
        "arrivals": arrivals,
    }


def counsellor_frame(view: dict[str, Any]) -> str:
    """A frame of the counsellors' stream with the office's arrivals today (the stream's alerts,
    `appointment_arrived`, are the sender's)."""
    return orjson.dumps({"today": view}).decode()
