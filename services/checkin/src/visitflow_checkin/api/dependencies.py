"""What the check-in API's routes share: the settings, the rate limit and the use cases (a check-in and
its ticket, the booking import), built once per app by `create_app` and found on `app.state.checkin`;
and, for the check-in itself, the one dependency that gives it all it needs (`AtOffice`) and the body
and headers read without FastAPI's per-parameter resolution."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from visitflow_offices import Office
from visitflow_platform.access import Action
from visitflow_platform.auth import Principal, principal, require
from visitflow_platform.deps import OfficeId, current_office
from visitflow_platform.errors import ApiError
from visitflow_platform.ratelimit import RateLimit
from visitflow_platform.request_body import json_body as json_body
from visitflow_platform.request_body import located

from ..config import CheckinSettings
from ..domain import Refusal
from ..handlers import BookingImport, CheckIns


@dataclass(frozen=True)
class CheckinApi:
    """One check-in API process: its settings, the rate limit of check-ins, and the use cases."""

    settings: CheckinSettings
    rate_limit: RateLimit
    check_ins: CheckIns
    bookings: BookingImport


async def checkin_api(request: Request) -> CheckinApi:
    # async: FastAPI runs a plain function dependency in a worker thread, for every request
    found: CheckinApi = request.app.state.checkin
    return found


Checkin = Annotated[CheckinApi, Depends(checkin_api)]


@dataclass(frozen=True)
class AtOffice:
    """What a route at an office is given by its one dependency: the API, the caller (allowed the
    route's action there) and the path's office."""

    api: CheckinApi
    who: Principal
    office: Office


_OFFICE_ID: TypeAdapter[str] = TypeAdapter(OfficeId)


def at_office(action: Action) -> Any:
    """One dependency for a route whose cost counts: the caller allowed `action` at the path's office,
    exactly as `require` decides (401, 403), then the office (422 for an id of the wrong form, 404 for an
    unknown one), without FastAPI resolving a sub-dependency for each. The authorisation matrix and the
    OpenAPI document read `action` from it as from `require`."""
    allowed = require(action).dependency
    assert allowed is not None

    async def context(request: Request) -> AtOffice:
        who = await allowed(request, await principal(request))
        try:
            office_id = _OFFICE_ID.validate_python(request.path_params["office_id"])
        except ValidationError as exc:
            raise RequestValidationError(located(exc.errors(), ("path", "office_id"))) from None
        return AtOffice(request.app.state.checkin, who, await current_office(request, office_id))

    context.action = action  # type: ignore[attr-defined]
    return Depends(context)


def header_problems(request: Request, name: str, max_length: int) -> list[dict[str, Any]]:
    """A header's problems as FastAPI words them for `Header(max_length=...)`."""
    value = request.headers.get(name)
    if value is None or len(value) <= max_length:
        return []
    message = f"String should have at most {max_length} character{'s' if max_length != 1 else ''}"
    return [{"type": "string_too_long", "loc": ("header", name), "msg": message, "input": None}]


def refused(refusal: Refusal) -> ApiError:
    """A refusal as the API answers it: its status, code and sentence, and when to retry."""
    retry = refusal.retry_after_s
    headers = {"Retry-After": str(retry)} if retry is not None else None
    return ApiError(refusal.status, refusal.code, refusal.message, headers=headers, **refusal.extra)
