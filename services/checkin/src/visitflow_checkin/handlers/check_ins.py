"""A check-in: the office's policy applied at the tap, the visit recorded in Kafka once per
Idempotency-Key, and the ticket (or the visitor's steer elsewhere) answered; and a check-in's ticket
once queued.

The visit's ids derive from the office and a keyed digest of the key (a client could put anything in
it), so a resend decides the same event. A refusal of the request itself (422) claims nothing; any
other outcome is decided under the check-in's record, whose first answer every resend gets again, with
the link the first answer gave while it still opens the visit (else a new one)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import orjson
from pydantic import BaseModel
from visitflow_offices import Clock, Office, business_date
from visitflow_platform.ids import stable_id, uuid7_time
from visitflow_platform.pseudonyms import pseudonym

from ..domain import (
    Accepted,
    Admit,
    CheckInRequest,
    Queued,
    Redirected,
    Refusal,
    Steer,
    VisitIds,
    VisitLinkOut,
    check_in_time,
    decide_check_in,
    visit_link,
)
from .ports import CheckInRecords, CountedRequest, LinkToKeep, Publisher, Replies, VisitorLinks


@dataclass(frozen=True)
class Answer:
    """What a check-in is answered: its status (201, or 202 while the ticket follows) and its body."""

    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class CheckIns:
    """Check-ins at every office: decided, recorded on `topic`, answered with the queue's reply (waited
    for up to `reply_timeout_s`) and the visitor's own link on `page_url`; each answer counted by its
    outcome (`counted`), a resend's not again."""

    clock: Clock
    zone: ZoneInfo
    secret: str
    producer: str
    topic: str
    reply_timeout_s: float
    page_url: str
    records: CheckInRecords
    publisher: Publisher
    replies: Replies
    links: VisitorLinks
    counted: Callable[[str], None]
    real_time: Callable[[], float] = time.time

    async def check_in(
        self,
        office: Office,
        body: CheckInRequest,
        device_id: str | None,
        key: str,
        status_url: Callable[[UUID], str],
        counted: CountedRequest | None = None,
    ) -> Answer | Refusal:
        """`key` is the check-in's Idempotency-Key; `status_url` is where a 202's ticket will be;
        `counted`, the request as the rate limit counts it (in the claim's round trip), which raises
        when it is over the limit."""
        at = check_in_time(self.clock, uuid7_time(key), self.real_time())
        digest = pseudonym(self.secret, key)
        visit_id = stable_id(office.id, digest)
        ids = VisitIds(visit_id, stable_id(office.id, digest, "event"), self.producer)
        decision = decide_check_in(body, office, device_id, at, self.zone, ids)
        if isinstance(decision, Refusal) and decision.status == 422:  # the request's own: nothing to claim
            if counted is not None:
                await counted.check()
            return decision
        async with self.records.claim(
            visit_id, office.id, self.records.fingerprint(body, device_id), counted
        ) as claim:
            if claim.refused is not None:
                return claim.refused
            if claim.prior is not None:
                prior = claim.prior.body
                if prior.get("outcome") in ("queued", "accepted"):  # the same link as the first answer
                    link = await self._given_link(office.id, visit_id, at)
                    prior = prior | {"visit_link": link.model_dump(mode="json")}
                return Answer(claim.prior.status, prior)
            if isinstance(decision, Refusal):
                self.counted("refused")
                return decision
            status, answer, outcome, to_keep = await self._record(office, body, decision, at, status_url)
            answered = answer.model_dump(mode="json", exclude_none=True)
            # the link's token is kept in the contact store only, never in the answer kept for resends
            await claim.keep(status, {k: v for k, v in answered.items() if k != "visit_link"}, to_keep)
        self.counted(outcome)
        return Answer(status, answered)

    async def ticket(self, office_id: str, visit_id: UUID) -> Queued | None:
        """The check-in's ticket once queued; None for another office's visit, as for an unknown one."""
        ours = await self.records.office_of(visit_id) == office_id
        reply = await self.replies.stored(str(visit_id)) if ours else None
        return None if reply is None else Queued(office_id=office_id, **orjson.loads(reply))

    async def _record(
        self,
        office: Office,
        body: CheckInRequest,
        decision: Admit | Steer,
        at: datetime,
        status_url: Callable[[UUID], str],
    ) -> tuple[int, BaseModel, str, LinkToKeep | None]:
        """Publishes what was decided and answers (status, answer, outcome, and the visitor's link when
        it is to be stored with the kept answer)."""
        if isinstance(decision, Steer):
            steered = decision.event
            await self.publisher.publish(self.topic, steered)
            redirected = Redirected(
                visit_id=steered.visit_id,
                office_id=office.id,
                cause=steered.cause,
                alternative=steered.alternative,
                message=decision.message,
            )
            return 201, redirected, "redirected", None
        event = decision.event
        visit_id = event.visit_id
        to_keep: LinkToKeep | None = None
        if body.sms is not None:  # the SMS carries the link: both stored before notify reads the event
            link = await self._give_link(office.id, visit_id, at, body.sms.phone)
        else:  # stored in the kept answer's round trip, before anyone is answered the link
            to_keep = self.links.new(office.id, visit_id, business_date(at, self.zone), self.clock.now())
            link = visit_link(self.page_url, to_keep.token)
        waiting = self.replies.expect(str(visit_id))
        await self.publisher.publish(self.topic, event)
        reply = await self.replies.wait(str(visit_id), waiting, self.reply_timeout_s)
        if reply is None:
            accepted = Accepted(
                visit_id=visit_id,
                office_id=office.id,
                message="Checked in. The ticket number follows in a moment.",
                status_url=status_url(visit_id),
                visit_link=link,
            )
            return 202, accepted, "accepted", to_keep
        queued = Queued(office_id=office.id, note=decision.note, visit_link=link, **orjson.loads(reply))
        return 201, queued, "queued", to_keep

    async def _give_link(
        self, office_id: str, visit_id: UUID, at: datetime, phone: str | None = None
    ) -> VisitLinkOut:
        """Mints the visitor's own link, kept beside any SMS opt-in (the SMS carries it, a resend of the
        check-in answers it again) until the day's end."""
        day = business_date(at, self.zone)
        token = await self.links.give(office_id, visit_id, day, self.clock.now(), phone)
        return visit_link(self.page_url, token)

    async def _given_link(self, office_id: str, visit_id: UUID, at: datetime) -> VisitLinkOut:
        """The link the first answer gave, while it still opens the visit; else a new one."""
        token = await self.links.given(visit_id)
        if token is not None:
            return visit_link(self.page_url, token)
        return await self._give_link(office_id, visit_id, at)
