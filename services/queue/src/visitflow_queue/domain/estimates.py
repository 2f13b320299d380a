"""Wait estimates from recent service times per line and the rooms in use.

Method (docs/decisions.md): the mean of the line's last ten service times (or the office's default
before it has any today) times the number of visitors ahead in the office's call order, shared by the
rooms in use (at least one, at most the office's conversation rooms).
"""

from __future__ import annotations

from datetime import datetime

from visitflow_offices import Office, RoomKind

from .ordering import call_order_key
from .state import OfficeQueue, OpenVisit


def mean_service_seconds(state: OfficeQueue, office: Office, line_id: str) -> float:
    recent = state.service_seconds.get(line_id)
    if recent:
        return sum(recent) / len(recent)
    return office.policy.default_service_minutes * 60.0


def serving_rooms(state: OfficeQueue, office: Office) -> int:
    in_use = sum(1 for visit in state.visits.values() if visit.room_id is not None)
    capacity = sum(1 for room in office.rooms if room.kind is RoomKind.CONVERSATION) or len(office.rooms)
    return max(1, min(in_use, capacity))


def ahead_of(state: OfficeQueue, office: Office, visit: OpenVisit, now: datetime | None = None) -> int:
    """How many are before `visit` in the call order at `now` (visitors on hold keep their place)."""
    key = call_order_key(office, visit, now)
    return sum(1 for other in state.waiting() if call_order_key(office, other, now) < key)


def estimated_wait_seconds(
    state: OfficeQueue, office: Office, line_id: str, ahead: int, rooms: int | None = None
) -> int:
    """`rooms`: `serving_rooms`, when the caller has it already."""
    rooms = rooms or serving_rooms(state, office)
    return round(ahead * mean_service_seconds(state, office, line_id) / rooms)
