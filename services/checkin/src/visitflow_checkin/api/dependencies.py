"""What the check-in API's routes share: the offices and their clock, Kafka and Redis, the check-ins'
records and links, the rate limit, the booking import and the counts of answers, built once per app by
`create_app` and found on `app.state.checkin`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from prometheus_client import Counter
from visitflow_platform.contacts import ContactStore
from visitflow_platform.ratelimit import RateLimit
from visitflow_platform.runtime import ApiRuntime
from visitflow_platform.visit_links import LinkStore

from ..adapters.idempotency import IdempotencyStore
from ..booking_import import BookingImport
from ..config import CheckinSettings


@dataclass(frozen=True)
class CheckinApi:
    """One check-in API process: its settings, Kafka and Redis, each check-in's record (idempotency),
    the visitors' contacts and links, the rate limit, the booking import, and the count of check-in
    answers by outcome."""

    settings: CheckinSettings
    runtime: ApiRuntime
    idempotency: IdempotencyStore
    contacts: ContactStore
    links: LinkStore
    rate_limit: RateLimit
    bookings: BookingImport
    checkins: Counter


def checkin_api(request: Request) -> CheckinApi:
    found: CheckinApi = request.app.state.checkin
    return found


Checkin = Annotated[CheckinApi, Depends(checkin_api)]
