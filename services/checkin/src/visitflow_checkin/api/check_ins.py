"""A check-in: the office's policy applied at the tap, the visit recorded in Kafka once per
Idempotency-Key, and the ticket (or the visitor's steer elsewhere) answered; and a check-in's ticket
once queued."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from redis.asyncio.client import Pipeline
from visitflow_offices import Office, business_date
from visitflow_platform.access import Action
from visitflow_platform.auth import Principal, principal, require
from visitflow_platform.deps import IdempotencyKey, OfficeDep
from visitflow_platform.errors import ApiError
from visitflow_platform.ids import idempotency_key, stable_id, uuid7_time
from visitflow_platform.pseudonyms import pseudonym

from ..domain import Admit, Refusal, Steer, VisitIds, check_in_time, decide_check_in
from ..links import link_url, visit_link
from ..schemas import Accepted, CheckInRequest, Queued, Redirected
from .dependencies import Checkin, CheckinApi

Answer = Queued | Redirected | Accepted

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
    settings, idempotency = api.settings, api.idempotency
    await api.rate_limit.check(who, office.id)
    key = idempotency_key(idempotency_header)
    at = check_in_time(settings.clock, uuid7_time(key), time.time())
    # a client could put anything in its key: ids and Redis keys derive from its keyed digest
    digest = pseudonym(settings.pseudonym_secret, key)
    visit_id = stable_id(office.id, digest)
    ids = VisitIds(visit_id, stable_id(office.id, digest, "event"), settings.service_name)
    decision = decide_check_in(body, office, device_id, at, settings.offices.timezone, ids)
    if isinstance(decision, Refusal) and decision.status == 422:  # the request's own: nothing to claim
        raise _refused(decision)
    async with idempotency.claim(visit_id, office.id, idempotency.fingerprint(body, device_id)) as claim:
        if claim.prior is not None:
            prior = claim.prior.body
            if prior.get("outcome") in ("queued", "accepted"):  # the same link as the first answer
                prior = prior | {"visit_link": await _given_link(api, office.id, visit_id, at)}
            return JSONResponse(prior, claim.prior.status)
        if isinstance(decision, Refusal):
            api.checkins.labels("refused").inc()
            raise _refused(decision)
        status, answer, outcome = await _record(api, office, body, decision, at, request)
        answered = answer.model_dump(mode="json", exclude_none=True)
        # the link's token is kept in the contact store only, never in the answer kept for resends
        await claim.keep(status, {k: v for k, v in answered.items() if k != "visit_link"})
    api.checkins.labels(outcome).inc()
    return JSONResponse(answered, status)


@router.get(
    "/check-ins/{visit_id}",
    summary="A check-in's ticket, once queued",
    responses={404: {"description": "not queued (yet), or not a check-in of this office"}},
    dependencies=[require(Action.READ_CHECK_IN)],
)
async def check_in_status(office: OfficeDep, visit_id: UUID, api: Checkin) -> Queued:
    ours = await api.idempotency.office_of(visit_id) == office.id  # another office's visit is as unknown
    reply = await api.runtime.replies.stored(str(visit_id)) if ours else None
    if reply is None:
        raise ApiError(404, "not_queued", "That visit has no ticket (yet).")
    return Queued(office_id=office.id, **orjson.loads(reply))


async def _record(
    api: CheckinApi,
    office: Office,
    body: CheckInRequest,
    decision: Admit | Steer,
    at: datetime,
    request: Request,
) -> tuple[int, Answer, str]:
    """Publishes what was decided and answers (status, answer, outcome)."""
    settings, runtime = api.settings, api.runtime
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
    link = await _give_link(api, office.id, visit_id, at, body.sms.phone if body.sms is not None else None)
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


async def _give_link(
    api: CheckinApi, office_id: str, visit_id: UUID, at: datetime, phone: str | None = None
) -> dict[str, Any]:
    """Mints the visitor's own link, kept beside any SMS opt-in (the SMS carries it, a resend of the
    check-in answers it again) until the day's end: the link, the contact and the phone (if any) in
    one Redis round trip."""
    settings = api.settings
    day, now = business_date(at, settings.offices.timezone), settings.clock.now()

    def keep(pipe: Pipeline, token: str) -> None:
        api.contacts.add_link(pipe, visit_id, link_url(settings.notify_public_url, token), day, now)
        if phone is not None:
            api.contacts.add_phone(pipe, visit_id, phone, day, now)

    token = await api.links.mint(office_id, visit_id, day, now, also=keep)
    return visit_link(settings.notify_public_url, token).model_dump(mode="json")


async def _given_link(api: CheckinApi, office_id: str, visit_id: UUID, at: datetime) -> dict[str, Any]:
    """The link the first answer gave, while it still opens the visit; else a new one."""
    url = await api.contacts.link(visit_id)
    token = url.rsplit("/", 1)[-1] if url else None
    if token is not None and await api.links.resolve(token) is not None:
        return visit_link(api.settings.notify_public_url, token).model_dump(mode="json")
    return await _give_link(api, office_id, visit_id, at)


def _refused(refusal: Refusal) -> ApiError:
    return ApiError(refusal.status, refusal.code, refusal.message, **refusal.extra)
