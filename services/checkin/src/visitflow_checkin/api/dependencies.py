"""What the check-in API's routes share: the settings, the rate limit and the use cases (a check-in and
its ticket, the booking import), built once per app by `create_app` and found on `app.state.checkin`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from visitflow_platform.errors import ApiError
from visitflow_platform.ratelimit import RateLimit

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


def checkin_api(request: Request) -> CheckinApi:
    found: CheckinApi = request.app.state.checkin
    return found


Checkin = Annotated[CheckinApi, Depends(checkin_api)]


def refused(refusal: Refusal) -> ApiError:
    """A refusal as the API answers it: its status, code and sentence, and when to retry."""
    retry = refusal.retry_after_s
    headers = {"Retry-After": str(retry)} if retry is not None else None
    return ApiError(refusal.status, refusal.code, refusal.message, headers=headers, **refusal.extra)
