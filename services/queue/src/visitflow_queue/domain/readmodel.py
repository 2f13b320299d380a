"""What hosts and screens see of an office's queue: a JSON snapshot computed from the state alone."""

from __future__ import annotations

from typing import Any

from visitflow_offices import Office

from .estimates import estimated_wait_seconds, mean_service_seconds
from .ordering import waiting_in_order
from .state import OfficeQueue, OpenVisit


def _visit(visit: OpenVisit) -> dict[str, Any]:
    return visit.model_dump(mode="json", exclude_none=True)


def snapshot(state: OfficeQueue, office: Office) -> dict[str, Any]:
    waiting = waiting_in_order(state, office)
    lines = []
    for line in office.lines:
        in_line = [visit for visit in waiting if visit.line_id == line.id]
        lines.append(
            {
                "line_id": line.id,
                "name": line.name,
                "prefix": line.prefix,
                "waiting": len(in_line),
                "mean_service_s": round(mean_service_seconds(state, office, line.id)),
                "expected_wait_s": estimated_wait_seconds(state, office, line.id, len(in_line)),
            }
        )
    occupied = {visit.room_id: visit for visit in state.visits.values() if visit.room_id}
    rooms = [
        {
            "room_id": room.id,
            "name": room.name,
            "kind": room.kind.value,
            **(
                {
                    "ticket": occupied[room.id].ticket,
                    "visit_id": str(occupied[room.id].visit_id),
                    "stage": occupied[room.id].stage.value,
                }
                if room.id in occupied
                else {}
            ),
        }
        for room in office.rooms
    ]
    return {
        "office_id": office.id,
        "business_date": state.business_date.isoformat() if state.business_date else None,
        "waiting": [_visit(visit) | {"position": index + 1} for index, visit in enumerate(waiting)],
        "called": sorted(
            (_visit(v) for v in state.visits.values() if v.stage.value == "called"),
            key=lambda v: v["called_at"],
        ),
        "in_service": sorted(
            (_visit(v) for v in state.visits.values() if v.stage.value == "in_service"),
            key=lambda v: v["ticket"],
        ),
        "rooms": rooms,
        "lines": lines,
        "issued_today": len(state.tickets),
    }
