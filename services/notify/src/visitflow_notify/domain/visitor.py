"""What visitors' own pages show. The worker stores, per office, every visit of the board as the pages
need it (`visits_view`: ticket, stage, line and place, the room of a call) with each line's expected
wait, which is the display's own figure; the API sends each page its own visit only (`own_view`), so
nothing about another visitor ever leaves the service by a link."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson
from visitflow_offices import Office

from .board import Board

# a visit's stages as its page shows them
VISITS_FRAME = "visits"
PENDING, WAITING, HELD, CALLED, IN_ROOM, ENDED = "pending", "waiting", "held", "called", "in_room", "ended"


def visits_view(board: Board, office: Office, display: dict[str, Any]) -> dict[str, Any]:
    """Every visit of the office's board today, by id, and each line's name and expected minutes as the
    display (`display`, from `views.display_view`) shows them."""
    visits: dict[str, dict[str, Any]] = {str(visit_id): {"stage": ENDED} for visit_id in board.ended}
    for line_id, line in board.lines.items():
        for place, visit_id in enumerate(line.waiting, start=1):
            visits[str(visit_id)] = {
                "stage": HELD if visit_id in board.held else WAITING,
                "ticket": board.tickets.get(visit_id),
                "line_id": line_id,
                "place": place,
            }
    for call in board.calls:  # a visit's latest call only (the board keeps no other)
        if call.visit_id not in board.ended and str(call.visit_id) not in visits:
            room = office.room(call.room_id)
            visits[str(call.visit_id)] = {
                "stage": IN_ROOM if call.gone_in_at else CALLED,
                "ticket": call.ticket,
                "room": room.name if room else call.room_id,
                "call_number": call.call_number,
            }
    lines = {
        line["line_id"]: {
            "name": line["name"],
            "minutes": line["expected_minutes"],
            "minutes_to": line["expected_minutes_to"],
        }
        for line in display["lines"]
    }
    return {"office": office.name, "lines": lines, "visits": visits}


def visits_frame(view: dict[str, Any]) -> str:
    return orjson.dumps(view).decode()


def own_view(frame: str, visit_id: UUID) -> dict[str, Any]:
    """One visit's page from its office's stored view: its stage, ticket, place and expected wait in its
    line, or its room; `pending` while the queue has not placed it yet."""
    stored = orjson.loads(frame)
    visit = stored.get("visits", {}).get(str(visit_id))
    if visit is None:
        return {"stage": PENDING, "office": stored.get("office")}
    own = {key: value for key, value in visit.items() if key != "line_id"}
    line = stored["lines"].get(visit.get("line_id"))
    if line is not None:
        own |= {
            "line": line["name"],
            "expected_minutes": line["minutes"],
            "expected_minutes_to": line.get("minutes_to"),
        }
    return own | {"office": stored["office"]}
