"""Delivers requested notifications through their channel, with retries and back-off, once each.

A request is marked done in Redis only after it was delivered, so a worker that stops mid-way sends it
when it comes back (at least once); the mark makes a redelivered request a no-op. The worker's senders
run concurrently, so two copies of one request (a batch produced again after a retry) can arrive at
once: the second waits for the first's delivery and then finds the mark, instead of both sending.
"""

from __future__ import annotations

import asyncio
import logging
from uuid import UUID

import orjson
import redis.asyncio as aioredis
from visitflow_events import Channel, NotificationFailed, NotificationRequested, NotificationSent
from visitflow_offices import Clock, OfficeDirectory
from visitflow_platform.contacts import ContactStore
from visitflow_platform.i18n import text
from visitflow_platform.live import LiveFeed

from ..domain.notices import YOUR_PAGE, outcome
from .providers import SmsProvider, SmsRejected
from .scopes import COUNSELLOR_SCOPE

log = logging.getLogger(__name__)
DONE_TTL_S = 2 * 24 * 3600


class Undeliverable(Exception):
    pass


class Sender:
    def __init__(
        self,
        offices: OfficeDirectory,
        clock: Clock,
        redis: aioredis.Redis,
        sms: SmsProvider,
        attempts: int,
        backoff_s: float,
    ) -> None:
        self._offices = offices
        self._clock = clock
        self._redis = redis
        self._contacts = ContactStore(redis)
        self._sms = sms
        self._counsellors = LiveFeed(redis, COUNSELLOR_SCOPE)
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._delivering: dict[UUID, asyncio.Task[NotificationSent | NotificationFailed | None]] = {}

    async def deliver(self, request: NotificationRequested) -> NotificationSent | NotificationFailed | None:
        """Sends one request; returns its outcome, or None when it was already delivered."""
        while (running := self._delivering.get(request.event_id)) is not None:
            await asyncio.wait([running])  # a copy of this request, being delivered by another sender
        task = asyncio.ensure_future(self._deliver(request))
        self._delivering[request.event_id] = task
        try:
            return await task
        finally:
            self._delivering.pop(request.event_id, None)

    async def _deliver(self, request: NotificationRequested) -> NotificationSent | NotificationFailed | None:
        done_key = f"vf:notify:done:{request.event_id}"
        if await self._redis.exists(done_key):
            return None
        attempts, error = 0, ""
        while attempts < self._attempts:
            attempts += 1
            try:
                await self._send(request)
                await self._redis.set(done_key, "1", ex=DONE_TTL_S)
                return self._outcome(request, attempts)
            except Undeliverable as exc:
                error = str(exc)
                break
            except SmsRejected as exc:
                error = str(exc)
                if attempts < self._attempts:
                    await asyncio.sleep(self._backoff_s * 2 ** (attempts - 1))
        log.warning(
            "notification failed",
            extra={
                "channel": request.channel.value,
                "template": request.template,
                "attempts": attempts,
                "error": error,
            },
        )
        await self._redis.set(done_key, "1", ex=DONE_TTL_S)
        return self._outcome(request, attempts, error)

    async def _send(self, request: NotificationRequested) -> None:
        if request.channel is Channel.SMS:
            await self._send_sms(request)
        elif request.channel is Channel.COUNSELLOR:
            await self._alert_counsellor(request)
        else:
            raise Undeliverable(f"no sender for channel {request.channel.value}")

    async def _alert_counsellor(self, request: NotificationRequested) -> None:
        """An alert on the office's counsellor stream, naming the counsellor by id and configured label;
        a counsellor the office does not have (a visit queued before counsellors were checked) is never
        shown."""
        office = self._offices.office(request.office_id)
        counsellor = office.counsellor(request.counsellor_id) if office and request.counsellor_id else None
        if counsellor is None:
            raise Undeliverable("the office has no such counsellor")
        frame = {
            "counsellor_id": counsellor.id,
            "counsellor": counsellor.name,
            "ticket": request.ticket,
            "visit_id": str(request.visit_id),
            "at": request.occurred_at.isoformat(),
        }
        await self._counsellors.publish(request.office_id, request.template, orjson.dumps(frame).decode())

    async def _send_sms(self, request: NotificationRequested) -> None:
        assert request.visit_id is not None
        phone = await self._contacts.phone(request.visit_id)
        if phone is None:
            raise Undeliverable("no contact number (the opt-in has expired)")
        link = ""
        if request.template == YOUR_PAGE and not (link := await self._contacts.link(request.visit_id) or ""):
            raise Undeliverable("no link to send (withdrawn, or past its day)")
        office = self._offices.office(request.office_id)
        room = office.room(request.room_id) if office and request.room_id else None
        message = text(
            f"sms.{request.template}",
            ticket=request.ticket or "",
            position=request.position or "",
            room=room.name if room else request.room_id or "",
            link=link,
        )
        if request.wait_minutes is not None:
            message += " " + text("sms.wait", wait=_said(request.wait_minutes, request.wait_minutes_to))
        await self._sms.send(phone, message)

    def _outcome(
        self, request: NotificationRequested, attempts: int, error: str | None = None
    ) -> NotificationSent | NotificationFailed:
        return outcome(request, request.channel, request.template, attempts, self._clock.now(), error)


def _said(minutes: int, minutes_to: int | None) -> str:
    """A wait as the screens say it (common.js `saidWait`)."""
    if minutes_to is None:
        return text("wait.about", minutes=minutes)
    return text("wait.range", low=minutes, high=minutes_to)
