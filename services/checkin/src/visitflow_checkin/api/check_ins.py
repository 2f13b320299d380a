"""A check-in (`handlers.CheckIns`): the office's policy applied at the tap, the visit recorded in Kafka
once per Idempotency-Key, and the ticket (or the visitor's steer elsewhere) answered; and a check-in's
ticket once queued."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import APIRouter, FastAPI, Request, Response
from visitflow_platform.access import Action
from visitflow_platform.auth import require
from visitflow_platform.deps import OfficeDep
from visitflow_platform.errors import ApiError
from visitflow_platform.ids import idempotency_key

from ..domain import Accepted, CheckInRequest, Queued, Refusal
from .dependencies import AtOffice, Checkin, at_office, header_problems, json_body, refused

router = APIRouter(prefix="/api/offices/{office_id}")
DEVICE_HEADER, DEVICE_ID_MAX = "X-Device-Id", 64


# The check-in reads its office, headers and body itself (`dependencies`), so FastAPI resolves one
# dependency instead of eight; the document says what it reads, as FastAPI would for declared parameters.
DOCUMENTED: dict[str, Any] = {
    "parameters": [
        {
            "name": "office_id",
            "in": "path",
            "required": True,
            "description": "office id, e.g. halden",
            "schema": {
                "type": "string",
                "pattern": "^[a-z0-9-]{2,40}$",
                "title": "Office Id",
                "description": "office id, e.g. halden",
            },
        },
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "retry with the same key to get the same answer",
            "schema": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "title": "Idempotency-Key",
                "description": "retry with the same key to get the same answer",
            },
        },
        {
            "name": DEVICE_HEADER,
            "in": "header",
            "required": False,
            "description": "one of the office's devices",
            "schema": {
                "anyOf": [{"type": "string", "maxLength": DEVICE_ID_MAX}, {"type": "null"}],
                "title": DEVICE_HEADER,
                "description": "one of the office's devices",
            },
        },
    ],
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CheckInRequest"}}},
    },
}


def documenting(openapi: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """The app's `openapi` with the check-in's request body among the components, as FastAPI puts a
    declared body parameter's there (taken from a FastAPI app that declares it, never served)."""

    def completed() -> dict[str, Any]:
        schema = openapi()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        if "CheckInRequest" not in schemas:
            for name, model_schema in _body_schemas().items():
                schemas.setdefault(name, model_schema)
            schema["components"]["schemas"] = dict(sorted(schemas.items()))
        return schema

    return completed


def _body_schemas() -> dict[str, Any]:
    declared = FastAPI()

    @declared.post("/")
    async def _declares(body: CheckInRequest) -> None: ...

    found: dict[str, Any] = declared.openapi()["components"]["schemas"]
    return {name: value for name, value in found.items() if "ValidationError" not in name}


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
        422: {"description": "Validation Error"},  # FastAPI's, which the platform replaces by ours
        503: {"description": "Kafka did not confirm; nothing recorded, retry"},
    },
    openapi_extra=DOCUMENTED,
)
async def check_in(request: Request, at: Annotated[AtOffice, at_office(Action.CHECK_IN)]) -> Response:
    headers = request.headers
    device_problems = header_problems(request, DEVICE_HEADER, DEVICE_ID_MAX)
    body = await json_body(request, CheckInRequest, device_problems)
    api, office = at.api, at.office
    counted = api.rate_limit.request(at.who, office.id)  # counted with the check-in's claim
    try:
        key = idempotency_key(headers.get("idempotency-key"))
    except ApiError:
        await counted.check()  # a bad key counts too, and over the limit is refused as any request
        raise

    def status_url(visit_id: UUID) -> str:
        return str(request.url_for("check_in_status", office_id=office.id, visit_id=visit_id))

    answer = await api.check_ins.check_in(office, body, headers.get(DEVICE_HEADER), key, status_url, counted)
    if isinstance(answer, Refusal):
        raise refused(answer)
    return Response(orjson.dumps(answer.body), answer.status, media_type="application/json")


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
