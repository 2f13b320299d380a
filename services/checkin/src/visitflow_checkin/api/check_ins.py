"""A check-in (`handlers.CheckIns`): the office's policy applied at the tap, the visit recorded in Kafka
once per Idempotency-Key, and the ticket (or the visitor's steer elsewhere) answered; and a check-in's
ticket once queued."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from visitflow_platform.access import Action
from visitflow_platform.auth import Principal, principal, require
from visitflow_platform.deps import IdempotencyKey, OfficeDep
from visitflow_platform.errors import ApiError
from visitflow_platform.ids import idempotency_key

from ..domain import Accepted, CheckInRequest, Queued, Refusal
from .dependencies import Checkin, refused

router = APIRouter(prefix="/api/offices/{office_id}")


@router.post(
    "/check-ins",
    status_code=201,
    summary="Check a visitor in",
    responses={
        201: {"description": "queued with a ticket, or steered to an alternative"},
        202: {"model": Accepted, "description": "recorded; the ticket follows shortly"},
        409: {
            "description": "not queued: office closed, drop-in closed, appointment outside the office's "
            "opening hours or too early; or the same check-in is still in flight (`in_progress`, retry "
            "after Retry-After)"
        },
        503: {"description": "Kafka did not confirm; nothing recorded, retry"},
    },
    dependencies=[require(Action.CHECK_IN)],
)
async def check_in(
    office: OfficeDep,
    body: CheckInRequest,
    request: Request,
    who: Annotated[Principal, Depends(principal)],
    api: Checkin,
    idempotency_header: IdempotencyKey = None,
    device_id: Annotated[
        str | None, Header(alias="X-Device-Id", max_length=64, description="one of the office's devices")
    ] = None,
) -> JSONResponse:
    await api.rate_limit.check(who, office.id)

    def status_url(visit_id: UUID) -> str:
        return str(request.url_for("check_in_status", office_id=office.id, visit_id=visit_id))

    answer = await api.check_ins.check_in(
        office, body, device_id, idempotency_key(idempotency_header), status_url
    )
    if isinstance(answer, Refusal):
        raise refused(answer)
    return JSONResponse(answer.body, answer.status)


@router.get(
    "/check-ins/{visit_id}",
    summary="A check-in's ticket, once queued",
    responses={404: {"description": "not queued (yet), or not a check-in of this office"}},
    dependencies=[require(Action.READ_CHECK_IN)],
)
async def check_in_status(office: OfficeDep, visit_id: UUID, api: Checkin) -> Queued:
    ticket = await api.check_ins.ticket(office.id, visit_id)
    if ticket is None:
        raise ApiError(404, "not_queued", "That visit has no ticket (yet).")
    return ticket
