"""What a visitor's link (`visitflow_platform.visit_links`) opens: its visit's picture and live stream,
and the visitor's three acts (stepped out, back, no longer waiting), which go to the queue as host
commands do and wait, as theirs do, for the queue's decision. Each answer is a value (`Refused`,
`Decision`); `api.visitor_pages` says it over HTTP.

The link is the only credential and reaches one visit: every answer is built for the visit the link
is bound to, and every command names that visit, never one the request names. A link is limited to
`LINK_RATE_PER_MINUTE` requests a minute and `LINK_STREAMS` open streams. Guessing one is hopeless (179
random bits), so a link that opens nothing costs one Redis read and is not counted per address (phones
share addresses behind their carriers' NAT; the ingress bounds each address's requests)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

import orjson
from visitflow_events import Command, new_envelope, visit_correlation
from visitflow_offices import Clock
from visitflow_platform.ids import idempotency_key, stable_id
from visitflow_platform.pseudonyms import pseudonym
from visitflow_platform.replies import Decision, Publisher, Replies, ask
from visitflow_platform.settings import ServiceSettings
from visitflow_platform.visit_links import VisitLink

from ..domain.visitor import ENDED, PENDING, own_view
from .ports import Limit, Links, Pictures

LINK_RATE_PER_MINUTE = 60  # a page makes a handful a minute; a script trying one link, many
LINK_STREAMS = 3  # a phone, a tablet and a laptop
PENDING_AT_MOST = timedelta(minutes=10)  # minted but never queued (the day closed, or the check-in failed)


class Refusal(Enum):
    """Why a link opens nothing now."""

    UNKNOWN = "unknown_link"  # never minted, guessed, revoked
    OVER = "link_ended"  # its visit is over (the link is ended for good)
    TOO_MANY = "too_many_requests"  # over its rate this minute


@dataclass(frozen=True)
class Refused:
    reason: Refusal
    retry_after_s: int | None = None


class VisitLinks:
    """What a visit link opens, for one API process (which counts its open streams)."""

    def __init__(
        self,
        settings: ServiceSettings,
        links: Links,
        pictures: Pictures,
        limit: Limit,
        publisher: Publisher,
        replies: Replies,
        clock: Clock,
    ) -> None:
        self.settings, self.links, self.pictures, self.limit = settings, links, pictures, limit
        self.publisher, self.replies, self.clock = publisher, replies, clock
        self.streams: Counter[str] = Counter()

    async def open(self, token: str) -> VisitLink | Refused:
        """The link's visit, still open; or why not: unknown, over its rate, or its visit over (the link
        is revoked then)."""
        link = await self.links.resolve(token)
        if link is None or self.settings.offices.office(link.office_id) is None:
            return Refused(Refusal.UNKNOWN)
        if (retry := await self.limit.exceeded(f"link:{link.digest}")) is not None:
            return Refused(Refusal.TOO_MANY, retry)
        own = await self.own(link)
        if own["stage"] == ENDED or (
            own["stage"] == PENDING and self.clock.now() - link.minted_at > PENDING_AT_MOST
        ):
            await self.links.revoke(link.visit_id)
            return Refused(Refusal.OVER)
        return link

    async def own(self, link: VisitLink) -> dict[str, Any]:
        frame = await self.pictures.snapshot(link.office_id)
        return own_view(frame.data, link.visit_id)

    def streams_full(self, link: VisitLink) -> bool:
        return self.streams[link.digest] >= LINK_STREAMS

    async def frames(self, link: VisitLink, last_event_id: str | None) -> AsyncIterator[tuple[str, str]]:
        """The visit's own picture (its frame id and JSON), then each change of it; ends after the
        visit's end is sent."""
        self.streams[link.digest] += 1
        try:
            shown = None
            async for frame in self.pictures.subscribe(link.office_id, last_event_id):
                own = own_view(frame.data, link.visit_id)
                if own != shown:
                    shown = own
                    yield frame.id, orjson.dumps(own).decode()
                if own["stage"] == ENDED:
                    return
        finally:
            self.streams[link.digest] -= 1
            if not self.streams[link.digest]:
                del self.streams[link.digest]

    async def command(self, link: VisitLink, kind: type[Command], key: str | None, **asked: Any) -> Decision:
        """The visitor's act as a queue command for their own visit, and the queue's decision. A retry
        with the same key gets the stored decision without publishing again. The actor is the pseudonym
        of the link's visit."""
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
        return await ask(
            self.publisher,
            self.replies,
            self.settings.topics.commands,
            command,
            self.settings.reply_timeout_s,
        )
