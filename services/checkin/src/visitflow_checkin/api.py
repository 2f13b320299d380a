"""The check-in API for host tablets: the office's policy applied, the visit recorded in Kafka."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Counter
from redis.asyncio.client import Pipeline
from visitflow_events import Reason
from visitflow_offices import Office, business_date, office_hours
from visitflow_platform.access import Action
from visitflow_platform.auth import Principal, principal, require
from visitflow_platform.contacts import ContactStore
from visitflow_platform.deps import IdempotencyKey, OfficeDep
from visitflow_platform.errors import ApiError
from visitflow_platform.ids import idempotency_key, stable_id, uuid7_time
from visitflow_platform.pseudonyms import pseudonym
from visitflow_platform.ratelimit import RateLimit
from visitflow_platform.runtime import ApiRuntime
from visitflow_platform.visit_links import LinkStore
from visitflow_platform.web import install_common

from .bookings import booking_router
from .config import CheckinSettings
from .domain import Admit, Refusal, Steer, VisitIds, alternatives_for, check_in_time, decide_check_in
from .idempotency import IdempotencyStore
from .links import link_url, visit_link
from .schemas import Accepted, CheckInRequest, PolicyHints, Queued, Redirected

Answer = Queued | Redirected | Accepted


def create_app(settings: CheckinSettings) -> FastAPI:
    runtime = ApiRuntime(settings, publishes=True, awaits_replies=True)
    offices = settings.offices
    clock = settings.clock
    registry = CollectorRegistry()
    checkins = Counter(
        "visitflow_checkins",
        "Check-in answers by outcome (per office: the metrics service's /metrics/offices)",
        ["outcome"],
        registry=registry,
    )
    idempotency = IdempotencyStore(
        runtime.redis,
        settings.pseudonym_secret,
        # longer than a check-in can take: Kafka's producer and its acknowledgement (each up to the
        # Kafka timeout), then the wait for the queue's answer
        in_flight_s=2 * settings.kafka_timeout_s + settings.reply_timeout_s + 5,
    )
    contacts = ContactStore(runtime.redis)
    links = LinkStore(runtime.redis, settings.pseudonym_secret)
    rate_limit = RateLimit(
        runtime.redis, "checkin", settings.checkin_rate_per_minute, settings.pseudonym_secret
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        yield
        await runtime.stop()

    app = FastAPI(
        title="Visitflow check-in",
        version="1.0.0",
        lifespan=lifespan,
        description="Check-in for host tablets and kiosks, with the office's policy applied.",
    )
    app.state.offices = offices
    install_common(app, settings, registry, runtime.checks(), phone_fields=["sms.phone"])  # SmsOptIn
    api = APIRouter(prefix="/api")

    @api.get(
        "/offices",
        summary="Every office, by region",
        dependencies=[require(Action.LIST_OFFICES)],
    )
    async def list_offices() -> list[dict[str, str]]:
        return [{"office_id": o.id, "name": o.name, "region_id": o.region_id} for o in offices]

    @api.get(
        "/offices/{office_id}/policy",
        summary="Opening hours, drop-in now, alternatives",
        dependencies=[require(Action.READ_POLICY)],
    )
    async def policy(office: OfficeDep) -> PolicyHints:
        hours = office_hours(office, clock.now(), offices.timezone)
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

    @api.post(
        "/offices/{office_id}/check-ins",
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
        idempotency_header: IdempotencyKey = None,
        device_id: Annotated[
            str | None, Header(alias="X-Device-Id", max_length=64, description="one of the office's devices")
        ] = None,
    ) -> JSONResponse:
        await rate_limit.check(who, office.id)
        key = idempotency_key(idempotency_header)
        at = check_in_time(clock, uuid7_time(key), time.time())
        # a client could put anything in its key: ids and Redis keys derive from its keyed digest
        digest = pseudonym(settings.pseudonym_secret, key)
        visit_id = stable_id(office.id, digest)
        ids = VisitIds(visit_id, stable_id(office.id, digest, "event"), settings.service_name)
        decision = decide_check_in(body, office, device_id, at, offices.timezone, ids)
        if isinstance(decision, Refusal) and decision.status == 422:  # the request's own: nothing to claim
            raise _refused(decision)
        async with idempotency.claim(visit_id, office.id, idempotency.fingerprint(body, device_id)) as claim:
            if claim.prior is not None:
                prior = claim.prior.body
                if prior.get("outcome") in ("queued", "accepted"):  # the same link as the first answer
                    prior = prior | {"visit_link": await given_link(office.id, visit_id, at)}
                return JSONResponse(prior, claim.prior.status)
            if isinstance(decision, Refusal):
                checkins.labels("refused").inc()
                raise _refused(decision)
            status, answer, outcome = await record(office, body, decision, at, request)
            answered = answer.model_dump(mode="json", exclude_none=True)
            # the link's token is kept in the contact store only, never in the answer kept for resends
            await claim.keep(status, {k: v for k, v in answered.items() if k != "visit_link"})
        checkins.labels(outcome).inc()
        return JSONResponse(answered, status)

    async def give_link(
        office_id: str, visit_id: UUID, at: datetime, phone: str | None = None
    ) -> dict[str, Any]:
        """Mints the visitor's own link, kept beside any SMS opt-in (the SMS carries it, a resend of the
        check-in answers it again) until the day's end: the link, the contact and the phone (if any) in
        one Redis round trip."""
        day, now = business_date(at, offices.timezone), clock.now()

        def keep(pipe: Pipeline, token: str) -> None:
            contacts.add_link(pipe, visit_id, link_url(settings.notify_public_url, token), day, now)
            if phone is not None:
                contacts.add_phone(pipe, visit_id, phone, day, now)

        token = await links.mint(office_id, visit_id, day, now, also=keep)
        return visit_link(settings.notify_public_url, token).model_dump(mode="json")

    async def given_link(office_id: str, visit_id: UUID, at: datetime) -> dict[str, Any]:
        """The link the first answer gave, while it still opens the visit; else a new one."""
        url = await contacts.link(visit_id)
        token = url.rsplit("/", 1)[-1] if url else None
        if token is not None and await links.resolve(token) is not None:
            return visit_link(settings.notify_public_url, token).model_dump(mode="json")
        return await give_link(office_id, visit_id, at)

    async def record(
        office: Office, body: CheckInRequest, decision: Admit | Steer, at: datetime, request: Request
    ) -> tuple[int, Answer, str]:
        """Publishes what was decided and answers (status, answer, outcome)."""
        if isinstance(decision, Steer):
            steered = decision.event
            await runtime.publisher.publish(settings.topics.visits, steered)
            redirected = Redirected(
                visit_id=steered.visit_id,
                office_id=office.id,
                cause=steered.cause,
                alternative=steered.alternative,
                message=decision.message,
            )
            return 201, redirected, "redirected"
        event = decision.event
        visit_id = event.visit_id
        link = await give_link(office.id, visit_id, at, body.sms.phone if body.sms is not None else None)
        waiting = runtime.replies.expect(str(visit_id))
        await runtime.publisher.publish(settings.topics.visits, event)
        reply = await runtime.replies.wait(str(visit_id), waiting, settings.reply_timeout_s)
        if reply is None:
            accepted = Accepted(
                visit_id=visit_id,
                office_id=office.id,
                message="Checked in. The ticket number follows in a moment.",
                status_url=str(request.url_for("check_in_status", office_id=office.id, visit_id=visit_id)),
                visit_link=link,
            )
            return 202, accepted, "accepted"
        queued = Queued(office_id=office.id, note=decision.note, visit_link=link, **orjson.loads(reply))
        return 201, queued, "queued"

    @api.get(
        "/offices/{office_id}/check-ins/{visit_id}",
        summary="A check-in's ticket, once queued",
        responses={404: {"description": "not queued (yet), or not a check-in of this office"}},
        dependencies=[require(Action.READ_CHECK_IN)],
    )
    async def check_in_status(office: OfficeDep, visit_id: UUID) -> Queued:
        ours = await idempotency.office_of(visit_id) == office.id  # another office's visit is as unknown
        reply = await runtime.replies.stored(str(visit_id)) if ours else None
        if reply is None:
            raise ApiError(404, "not_queued", "That visit has no ticket (yet).")
        return Queued(office_id=office.id, **orjson.loads(reply))

    app.include_router(api)
    app.include_router(
        booking_router(
            offices,
            clock,
            runtime.publisher,
            runtime.redis,
            settings.topics.appointments,
            settings.service_name,
            registry,
        )
    )
    return app


def _refused(refusal: Refusal) -> ApiError:
    return ApiError(refusal.status, refusal.code, refusal.message, **refusal.extra)
