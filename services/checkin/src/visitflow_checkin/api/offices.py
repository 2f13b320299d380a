"""The offices a tablet can check visitors in at, and an office's policy: its hours, whether drop-in
is open now, its alternatives, lines, rooms and counsellors."""

from __future__ import annotations

from fastapi import APIRouter
from visitflow_events import Reason
from visitflow_offices import office_hours
from visitflow_platform.access import Action
from visitflow_platform.auth import require
from visitflow_platform.deps import OfficeDep

from ..domain import alternatives_for
from .dependencies import Checkin
from .schemas import PolicyHints

router = APIRouter(prefix="/api")


@router.get(
    "/offices",
    summary="Every office, by region",
    dependencies=[require(Action.LIST_OFFICES)],
)
async def list_offices(api: Checkin) -> list[dict[str, str]]:
    return [{"office_id": o.id, "name": o.name, "region_id": o.region_id} for o in api.settings.offices]


@router.get(
    "/offices/{office_id}/policy",
    summary="Opening hours, drop-in now, alternatives",
    dependencies=[require(Action.READ_POLICY)],
)
async def policy(office: OfficeDep, api: Checkin) -> PolicyHints:
    settings = api.settings
    hours = office_hours(office, settings.clock.now(), settings.offices.timezone)
    window = office.policy.appointment_checkin
    return PolicyHints(
        office_id=office.id,
        name=office.name,
        local_time=hours.local_time.isoformat(),
        is_open=hours.is_open,
        drop_in_open=hours.drop_in_open,
        opening_today=[span.label() for span in hours.opening_today],
        drop_in_today=[span.label() for span in hours.drop_in_today],
        next_opening=hours.next_opening.isoformat() if hours.next_opening else None,
        next_drop_in=hours.next_drop_in.isoformat() if hours.next_drop_in else None,
        appointment_checkin={"early_minutes": window.early_minutes, "late_minutes": window.late_minutes},
        alternatives=list(alternatives_for(office)),
        reasons=list(Reason),
        lines=[
            {"line_id": line.id, "prefix": line.prefix, "name": line.name, "kind": line.kind.value}
            for line in office.lines
        ],
        rooms=[{"room_id": room.id, "name": room.name, "kind": room.kind.value} for room in office.rooms],
        counsellors=[{"counsellor_id": c.id, "name": c.name} for c in office.counsellors],
    )
