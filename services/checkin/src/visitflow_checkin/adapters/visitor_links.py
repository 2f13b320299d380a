"""The visitors' own links in Redis: a link minted (`visit_links.LinkStore`) with its address and any
SMS opt-in's phone beside it in the contact store, until the day's end, in one round trip of its own
(`give`) or in the check-in's kept answer's (`new`); and the link a visit was given, while it still opens
the visit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from redis.asyncio.client import Pipeline
from visitflow_platform.contacts import ContactStore
from visitflow_platform.visit_links import LinkStore, NewLink

from ..domain import link_url


@dataclass(frozen=True)
class LinkToKeep:
    """A link and its contact entry, written in another round trip (`handlers.ports.LinkToKeep`)."""

    link: NewLink
    url: str
    day: date
    now: datetime

    @property
    def token(self) -> str:
        return self.link.token

    def write(self, pipe: Pipeline) -> None:
        self.link.write(pipe)
        ContactStore.add_link(pipe, self.link.visit_id, self.url, self.day, self.now)

    async def written(self, results: Sequence[Any]) -> None:
        await self.link.written(results)


class VisitorLinks:
    def __init__(self, links: LinkStore, contacts: ContactStore, page_url: str) -> None:
        self._links, self._contacts, self._page_url = links, contacts, page_url

    def new(self, office_id: str, visit_id: UUID, day: date, now: datetime) -> LinkToKeep:
        link = self._links.new(office_id, visit_id, day, now)
        return LinkToKeep(link, link_url(self._page_url, link.token), day, now)

    async def give(
        self, office_id: str, visit_id: UUID, day: date, now: datetime, phone: str | None = None
    ) -> str:
        def keep(pipe: Pipeline, token: str) -> None:
            self._contacts.add_link(pipe, visit_id, link_url(self._page_url, token), day, now)
            if phone is not None:
                self._contacts.add_phone(pipe, visit_id, phone, day, now)

        return await self._links.mint(office_id, visit_id, day, now, also=keep)

    async def given(self, visit_id: UUID) -> str | None:
        url = await self._contacts.link(visit_id)
        token = url.rsplit("/", 1)[-1] if url else None
        if token is not None and await self._links.resolve(token) is not None:
            return token
        return None
