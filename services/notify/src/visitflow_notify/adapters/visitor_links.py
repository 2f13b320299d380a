"""What a visitor's link (`visitflow_platform.visit_links`) opens: its visit's picture and live stream,
and the visitor's three acts (stepped out, back, no longer waiting), which go to the queue as host
commands do and wait, as theirs do, for the queue's decision: a refusal (the visit is not held, or
called or over already) is answered 409 with the queue's code, so the page can say so. The routes are
`api.visitor_pages`.

The link is the only credential and reaches one visit: every answer is built for the visit the link
is bound to, and every command names that visit, never one the request names. A link is limited to
`LINK_RATE_PER_MINUTE` requests a minute and `LINK_STREAMS` open streams. Guessing one is hopeless (179
random bits), so a link that opens nothing costs one Redis read and is not counted per address (phones
share addresses behind their carriers' NAT; the ingress bounds each address's requests). A link that
opens nothing, or whose visit is over, gets a plain page (or answer) saying so: 404 or 410, in
Norwegian or English."""

from __future__ import annotations

import html
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import orjson
import redis.asyncio as aioredis
from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse
from sse_starlette import ServerSentEvent
from visitflow_events import Command, new_envelope, visit_correlation
from visitflow_offices import Clock
from visitflow_platform.errors import ApiError
from visitflow_platform.i18n import LANGUAGES, text
from visitflow_platform.ids import idempotency_key, stable_id
from visitflow_platform.kafka import EventPublisher
from visitflow_platform.live import LiveHub
from visitflow_platform.pseudonyms import pseudonym
from visitflow_platform.replies import ReplyWaiter
from visitflow_platform.settings import ServiceSettings
from visitflow_platform.visit_links import LinkStore, VisitLink

from ..domain.visitor import ENDED, PENDING, own_view

LINK_PATHS = "/api/visit/"
LINK_RATE_PER_MINUTE = 60  # a page makes a handful a minute; a script trying one link, many
LINK_STREAMS = 3  # a phone, a tablet and a laptop
PENDING_AT_MOST = timedelta(minutes=10)  # minted but never queued (the day closed, or the check-in failed)
VISIT_EVENT = "visit"
# the queue's refusals of a visitor's act, as the answer says them (the page says them in nb or en)
REFUSED = {
    "wrong_stage": "Your visit is not where that act fits any more; the page shows where it stands.",
    "unknown_visit": "Your visit is no longer in the queue.",
}
REFUSED_OTHERWISE = "The queue could not do that now."


class LinkRefused(ApiError):
    """A link that opens nothing now: unknown (never minted, guessed, revoked), over, or too busy."""


def _unknown() -> LinkRefused:
    return LinkRefused(404, "unknown_link", "This link does not lead to a visit (any more).")


def _over() -> LinkRefused:
    return LinkRefused(410, "link_ended", "The visit this link belonged to is over.")


async def refused(request: Request, refusal: Exception) -> Any:
    """A refused link: a plain page for the page's address, the usual answer for its API."""
    assert isinstance(refusal, LinkRefused)
    if request.url.path.startswith(LINK_PATHS):
        return refusal.response()
    return refusal_page(refusal, request)


def refusal_page(refused: LinkRefused, request: Request) -> HTMLResponse:
    """A plain page saying why the link opens nothing, in the visitor's language."""
    language = _language(request)
    key = {404: "visitor.unknown_link", 410: "visitor.link_ended"}.get(refused.status, "visitor.too_many")
    title, body = text("visitor.title", language), text(key, language)
    document = (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{html.escape(title)}</title><link rel="stylesheet" href="/static/common/common.css">'
        '<link rel="stylesheet" href="/static/app/visitor.css"></head>'
        f'<body class="visitor"><main><h1>{html.escape(title)}</h1>'
        f'<p class="lead" id="refusal">{html.escape(body)}</p></main></body></html>'
    )
    return HTMLResponse(
        document,
        refused.status,
        headers={
            **(refused.headers or {}),
            "Content-Security-Policy": "default-src 'none'; style-src 'self'; frame-ancestors 'none'",
            "Cache-Control": "no-store",
        },
    )


def _language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    accepted = request.headers.get("accept-language", "").lower()
    return "en" if accepted.startswith("en") else "nb"


class VisitLinks:
    """What a visit link opens, for one API process."""

    def __init__(
        self,
        settings: ServiceSettings,
        redis: aioredis.Redis,
        hub: LiveHub,
        publisher: EventPublisher,
        replies: ReplyWaiter,
        clock: Clock,
    ) -> None:
        self.settings, self.redis, self.hub = settings, redis, hub
        self.publisher, self.replies, self.clock = publisher, replies, clock
        self.links = LinkStore(redis, settings.pseudonym_secret)
        self.streams: Counter[str] = Counter()

    async def open(self, token: str) -> VisitLink:
        """The link's visit, still open; refuses an unknown link, one over its rate, or one whose visit is
        over (410; the link is ended for good then)."""
        link = await self.links.resolve(token)
        if link is None or self.settings.offices.office(link.office_id) is None:
            raise _unknown()
        await self._count(link)
        own = await self.own(link)
        if own["stage"] == ENDED or (
            own["stage"] == PENDING and self.clock.now() - link.minted_at > PENDING_AT_MOST
        ):
            await self.links.revoke(link.visit_id)
            raise _over()
        return link

    async def _count(self, link: VisitLink) -> None:
        window = int(time.time() // 60)
        key = f"vf:rate:link:{link.digest}:{window}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 120)
            count, _ = await pipe.execute()
        if count > LINK_RATE_PER_MINUTE:
            raise LinkRefused(
                429,
                "too_many_requests",
                "Too many requests with this link; wait a minute.",
                headers={"Retry-After": str(60 - int(time.time()) % 60)},
            )

    async def own(self, link: VisitLink) -> dict[str, Any]:
        frame = await self.hub.snapshot(link.office_id)
        return own_view(frame.data, link.visit_id)

    async def frames(self, link: VisitLink, last_event_id: str | None) -> AsyncIterator[ServerSentEvent]:
        """The visit's own picture, then each change of it; ends after the visit's end is sent."""
        self.streams[link.digest] += 1
        try:
            shown = None
            async for frame in self.hub.subscribe(link.office_id, last_event_id):
                own = own_view(frame.data, link.visit_id)
                if own != shown:
                    shown = own
                    yield ServerSentEvent(orjson.dumps(own).decode(), event=VISIT_EVENT, id=frame.id)
                if own["stage"] == ENDED:
                    return
        finally:
            self.streams[link.digest] -= 1
            if not self.streams[link.digest]:
                del self.streams[link.digest]

    async def command(
        self, link: VisitLink, kind: type[Command], key: str | None, **asked: Any
    ) -> JSONResponse:
        """The visitor's act as a queue command for their own visit, and the queue's decision: 200 done,
        409 refused (the queue's code; the page words it), 422 for a key reused for another act, 202 if
        the queue has not answered within the reply timeout (the stream shows the outcome). A retry with
        the same key gets the stored decision without publishing again. The actor is the pseudonym of
        the link's visit."""
        secret = self.settings.pseudonym_secret
        digest = pseudonym(secret, idempotency_key(key))  # a client may put anything in its key
        command_id = stable_id(link.office_id, "command", "visit-link", str(link.visit_id), digest)
        command = kind(
            **new_envelope(
                command_id=command_id,
                office_id=link.office_id,
                correlation_id=visit_correlation(link.visit_id),
                occurred_at=self.clock.now(),
                producer=self.settings.service_name,
            ),
            actor_id=pseudonym(secret, f"visit-link:{link.visit_id}"),
            visit_id=link.visit_id,
            **asked,
        )
        reply_key = str(command_id)
        stored = await self.replies.stored(reply_key)
        if stored is None:
            waiting = self.replies.expect(reply_key)
            await self.publisher.publish(self.settings.topics.commands, command)
            stored = await self.replies.wait(reply_key, waiting, self.settings.reply_timeout_s)
        if stored is None:
            return JSONResponse({"status": "accepted", "command_id": reply_key}, 202)
        result = orjson.loads(stored)
        if result.get("fingerprint", command.fingerprint) != command.fingerprint:
            raise ApiError(
                422, "idempotency_key_reused", "This Idempotency-Key was already used for another act."
            )
        if "rejected" in result:
            code = str(result["rejected"]["code"])
            # the queue's detail is written for hosts; the page words the code in the visitor's language
            return JSONResponse(
                {"error": code, "message": REFUSED.get(code, REFUSED_OTHERWISE), "command_id": reply_key}, 409
            )
        return JSONResponse({"status": "done", "command_id": reply_key})
