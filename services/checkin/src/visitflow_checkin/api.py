"""The check-in API for host tablets: the office's policy applied, the visit recorded in Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Counter
from visitflow_events import (
    Appointment,
    Reason,
    RedirectCause,
    VisitorCheckedIn,
    VisitRedirected,
)
from visitflow_offices import business_date, office_hours
from visitflow_platform.auth import Action, Principal, principal, require
from visitflow_platform.contacts import ContactStore
from visitflow_platform.deps import IdempotencyKey, OfficeDep
from visitflow_platform.errors import ApiError
from visitflow_platform.ids import idempotency_key, stable_id
from visitflow_platform.ratelimit import RateLimit
from visitflow_platform.runtime import ApiRuntime
from visitflow_platform.web import install_common

from .config import CheckinSettings
from .domain import Queue, Redirect, Refuse, alternatives_for, judge
from .idempotency import IdempotencyStore
from .schemas import Accepted, CheckInRequest, PolicyHints, Queued, Redirected


def create_app(settings: CheckinSettings) -> FastAPI:
    runtime = ApiRuntime(settings, publishes=True, awaits_replies=True)
    offices = settings.offices
    clock = settings.clock
    registry = CollectorRegistry()
    checkins = Counter(
        "visitflow_checkins",
        "Check-in answers by office and outcome",
        ["office", "outcome"],
        registry=registry,
    )
    idempotency = IdempotencyStore(runtime.redis)
    contacts = ContactStore(runtime.redis)
    rate_limit = RateLimit(runtime.redis, "checkin", settings.checkin_rate_per_minute)

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
    install_common(app, settings, registry, runtime.checks())
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
        )

    @api.post(
        "/offices/{office_id}/check-ins",
        status_code=201,
        summary="Check a visitor in",
        responses={
            201: {"description": "queued with a ticket, or steered to an alternative"},
            202: {"model": Accepted, "description": "recorded; the ticket follows shortly"},
            409: {"description": "not queued: office closed, drop-in closed, appointment too early"},
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
            str | None, Header(alias="X-Device-Id", pattern=r"^[A-Za-z0-9._-]{1,64}$")
        ] = None,
    ) -> JSONResponse:
        await rate_limit.check(f"{office.id}:{device_id or who.subject}")
        key = idempotency_key(idempotency_header)
        fingerprint = idempotency.fingerprint(body)
        if (prior := await idempotency.recall(office.id, key, fingerprint)) is not None:
            return JSONResponse(prior.body, prior.status)
        visit_id = stable_id(office.id, key)
        now = clock.now()
        day = business_date(now, offices.timezone)
        hours = office_hours(office, now, offices.timezone)
        if body.line_id is not None and office.line(body.line_id) is None:
            raise ApiError(422, "unknown_line", f"{office.name} has no line '{body.line_id}'.")
        appointment_at = body.appointment.starts_at if body.appointment else None
        verdict = judge(office, hours, body.kind, appointment_at)
        envelope: dict[str, Any] = {
            "event_id": stable_id(office.id, key, "event"),
            "occurred_at": now,
            "office_id": office.id,
            "correlation_id": visit_id,
            "producer": settings.service_name,
            "visit_id": visit_id,
            "business_date": day,
            "reason": body.reason,
        }

        if body.redirect_to is not None or isinstance(verdict, Redirect):
            if body.redirect_to is None:
                assert isinstance(verdict, Redirect)
                checkins.labels(office.id, "refused").inc()
                raise ApiError(
                    409,
                    verdict.cause.value,
                    verdict.message,
                    alternatives=[a.value for a in verdict.alternatives],
                )
            cause = verdict.cause if isinstance(verdict, Redirect) else RedirectCause.HOST_CHOICE
            await runtime.publisher.publish(
                settings.topics.visits,
                VisitRedirected(**envelope, kind=body.kind, alternative=body.redirect_to, cause=cause),
            )
            answer: Redirected | Queued | Accepted = Redirected(
                visit_id=visit_id,
                office_id=office.id,
                cause=cause,
                alternative=body.redirect_to,
                message=verdict.message if isinstance(verdict, Redirect) else "Steered by the host.",
            )
            return await _answer(office.id, key, fingerprint, 201, answer, "redirected")

        if isinstance(verdict, Refuse):
            checkins.labels(office.id, "refused").inc()
            extra: dict[str, Any] = {"retry_at": verdict.retry_at.isoformat()} if verdict.retry_at else {}
            if verdict.code == "office_closed":
                extra["alternatives"] = [a.value for a in alternatives_for(office)]
            raise ApiError(409, verdict.code, verdict.message, **extra)

        assert isinstance(verdict, Queue)
        line = office.line(body.line_id) if body.line_id else office.line_for(verdict.kind, body.reason)
        assert line is not None
        if body.sms is not None:
            await contacts.keep(visit_id, body.sms.phone, day, now)
        event = VisitorCheckedIn(
            **envelope,
            kind=verdict.kind,
            line_id=line.id,
            needs=body.needs,
            sms_opt_in=body.sms is not None,
            device_id=device_id,
            appointment=Appointment(**body.appointment.model_dump()) if body.appointment else None,
        )
        waiting = runtime.replies.expect(str(visit_id))
        await runtime.publisher.publish(settings.topics.visits, event)
        reply = await runtime.replies.wait(str(visit_id), waiting, settings.reply_timeout_s)
        if reply is None:
            checkins.labels(office.id, "accepted").inc()
            return JSONResponse(
                Accepted(
                    visit_id=visit_id,
                    office_id=office.id,
                    message="Checked in. The ticket number follows in a moment.",
                    status_url=str(
                        request.url_for("check_in_status", office_id=office.id, visit_id=visit_id)
                    ),
                ).model_dump(mode="json"),
                202,
            )
        answer = Queued(office_id=office.id, note=verdict.note, **orjson.loads(reply))
        return await _answer(office.id, key, fingerprint, 201, answer, "queued")

    async def _answer(
        office_id: str,
        key: str,
        fingerprint: str,
        status: int,
        answer: Queued | Redirected | Accepted,
        outcome: str,
    ) -> JSONResponse:
        body = answer.model_dump(mode="json", exclude_none=True)
        await idempotency.remember(office_id, key, fingerprint, status, body)
        checkins.labels(office_id, outcome).inc()
        return JSONResponse(body, status)

    @api.get(
        "/offices/{office_id}/check-ins/{visit_id}",
        summary="A check-in's ticket, once queued",
        responses={404: {"description": "not queued (yet)"}},
        dependencies=[require(Action.READ_CHECK_IN)],
    )
    async def check_in_status(office: OfficeDep, visit_id: UUID) -> Queued:
        reply = await runtime.replies.stored(str(visit_id))
        if reply is None:
            raise ApiError(404, "not_queued", "That visit has no ticket (yet).")
        return Queued(office_id=office.id, **orjson.loads(reply))

    app.include_router(api)
    return app
