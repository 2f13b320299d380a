"""The short-lived contact store: SMS opt-in phone numbers, kept in Redis until the end of the day, and
each queued visitor's own link (`visit_links`), for the SMS that carries it and for a resent check-in
that answers it again.

The only place a phone number or a link's token is kept. Neither enters Kafka or a log; the notify
service reads them by visit id when it sends, and Redis deletes them at midnight (Europe/Oslo) of the
visit's day.

The time left until that midnight is reckoned on the service's clock and handed to Redis as a time to
live, not as an instant: with the fixed or accelerated clock of tests and `make run`, the visit's day
is not the real one, and a real-time instant would already be past (the number gone before the SMS).
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from uuid import UUID

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from visitflow_offices import OSLO


def _key(visit_id: UUID) -> str:
    return f"vf:contact:{visit_id}"


def _link_key(visit_id: UUID) -> str:
    return f"vf:contact:{visit_id}:link"


def end_of_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=OSLO)


def seconds_left(day: date, now: datetime) -> int:
    """Whole seconds from `now` until the end of `day` (at least one, so Redis accepts it)."""
    return max(1, math.ceil((end_of_day(day) - now).total_seconds()))


class ContactStore:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis

    async def keep(self, visit_id: UUID, phone: str, day: date, now: datetime) -> None:
        await self._redis.set(_key(visit_id), phone, ex=seconds_left(day, now))

    async def phone(self, visit_id: UUID) -> str | None:
        value = await self._redis.get(_key(visit_id))
        return value.decode() if value else None

    @staticmethod
    def add_link(pipe: Pipeline, visit_id: UUID, link: str, day: date, now: datetime) -> None:
        """Keeps the visit's link, as part of a pipeline (the check-in's one round trip for its link)."""
        pipe.set(_link_key(visit_id), link, ex=seconds_left(day, now))

    @staticmethod
    def add_phone(pipe: Pipeline, visit_id: UUID, phone: str, day: date, now: datetime) -> None:
        """`keep`, as part of a pipeline."""
        pipe.set(_key(visit_id), phone, ex=seconds_left(day, now))

    async def link(self, visit_id: UUID) -> str | None:
        value = await self._redis.get(_link_key(visit_id))
        return value.decode() if value else None

    async def forget_link(self, visit_id: UUID) -> None:
        await self._redis.delete(_link_key(visit_id))

    async def forget(self, visit_id: UUID) -> None:
        await self._redis.delete(_key(visit_id), _link_key(visit_id))
