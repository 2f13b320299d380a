"""The visitors' own links in Redis: a link minted (`visit_links.LinkStore`) with its address and any
SMS opt-in's phone beside it in the contact store, until the day's end, in one round trip; and the link
a visit was given, while it still opens the visit."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from redis.asyncio.client import Pipeline
from visitflow_platform.contacts import ContactStore
from visitflow_platform.visit_links import LinkStore

from ..domain import link_url


class VisitorLinks:
    def __init__(self, links: LinkStore, contacts: ContactStore, page_url: str) -> None:
        self._links, self._contacts, self._page_url = links, contacts, page_url

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
