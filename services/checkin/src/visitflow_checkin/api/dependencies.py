"""What the check-in API's routes share: the settings, the rate limit and the use cases (a check-in and
its ticket, the booking import), built once per app by `create_app` and found on `app.state.checkin`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from visitflow_platform.ratelimit import RateLimit

from ..config import CheckinSettings
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
