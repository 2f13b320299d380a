"""The check-in API for host tablets: the office's policy applied, the visit recorded in Kafka; and the
booking system's import.

`create_app` builds what the routes share (`dependencies.CheckinApi`) and includes one router per
resource: offices and their policy, check-ins, and bookings."""

from __future__ import annotations

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter
from visitflow_platform.contacts import ContactStore
from visitflow_platform.ratelimit import RateLimit
from visitflow_platform.runtime import ApiRuntime
from visitflow_platform.service_app import service_app
from visitflow_platform.visit_links import LinkStore

from ..adapters.booking_index import BookingIndex
from ..adapters.idempotency import IdempotencyStore
from ..adapters.visitor_links import VisitorLinks
from ..config import CheckinSettings
from ..handlers import BookingImport, CheckIns
from . import bookings, check_ins, offices
from .dependencies import CheckinApi


def create_app(settings: CheckinSettings) -> FastAPI:
    runtime = ApiRuntime(settings, publishes=True, awaits_replies=True)
    registry = CollectorRegistry()
    checkins = Counter(
        "visitflow_checkins",
        "Check-in answers by outcome (per office: the metrics service's /metrics/offices)",
        ["outcome"],
        registry=registry,
    )
    imported = Counter(
        "visitflow_bookings_imported", "Imported bookings by what they changed", ["change"], registry=registry
    )
    checkin = CheckinApi(
        settings=settings,
        rate_limit=RateLimit(
            runtime.redis, "checkin", settings.checkin_rate_per_minute, settings.pseudonym_secret
        ),
        check_ins=CheckIns(
            clock=settings.clock,
            zone=settings.offices.timezone,
            secret=settings.pseudonym_secret,
            producer=settings.service_name,
            topic=settings.topics.visits,
            reply_timeout_s=settings.reply_timeout_s,
            page_url=settings.notify_public_url,
            records=IdempotencyStore(
                runtime.redis,
                settings.pseudonym_secret,
                # longer than a check-in can take: Kafka's producer and its acknowledgement (each up to
                # the Kafka timeout), then the wait for the queue's answer
                in_flight_s=2 * settings.kafka_timeout_s + settings.reply_timeout_s + 5,
            ),
            publisher=runtime.publisher,
            replies=runtime.replies,
            links=VisitorLinks(
                LinkStore(runtime.redis, settings.pseudonym_secret),
                ContactStore(runtime.redis),
                settings.notify_public_url,
            ),
            counted=lambda outcome: checkins.labels(outcome).inc(),
        ),
        bookings=BookingImport(
            offices=settings.offices,
            clock=settings.clock,
            publisher=runtime.publisher,
            index=BookingIndex(runtime.redis),
            topic=settings.topics.appointments,
            producer=settings.service_name,
            counted=lambda change: imported.labels(change).inc(),
        ),
    )

    app = service_app(
        settings,
        title="Visitflow check-in",
        description="Check-in for host tablets and kiosks, with the office's policy applied.",
        parts=[runtime],
        registry=registry,
        checks=runtime.checks(),
        phone_fields=["sms.phone"],  # SmsOptIn
    )
    app.state.checkin = checkin
    app.openapi = check_ins.documenting(app.openapi)  # type: ignore[method-assign]
    for resource in (offices, check_ins, bookings):
        app.include_router(resource.router)
    return app
