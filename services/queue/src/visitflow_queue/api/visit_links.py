"""A visitor's link to their own page, as a host sees it: withdrawn from the tablet."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from visitflow_platform.access import Action
from visitflow_platform.auth import require
from visitflow_platform.deps import OfficeDep
from visitflow_platform.errors import ApiError

from .dependencies import Queue

router = APIRouter(prefix="/api/offices/{office_id}")


@router.post(
    "/visits/{visit_id}/link/revoke",
    summary="Withdraw the visitor's link to their own page: it opens nothing from now on",
    responses={404: {"description": "the visit has no link (any more) at this office"}},
    dependencies=[require(Action.REVOKE_VISIT_LINK)],
)
async def revoke_link(office: OfficeDep, visit_id: UUID, api: Queue) -> dict[str, str]:
    if not await api.links.revoke(visit_id, office.id):
        raise ApiError(404, "no_link", "That visit has no link (any more).")
    return {"status": "revoked"}
