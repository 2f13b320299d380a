"""Visit links: the visitor's own page, reached by an unguessable token bound to one visit.

The checkin API mints a link when it queues a visitor; the token goes to the host's tablet (as a QR
code) and, with an SMS opt-in, into the contact store for the SMS; Redis keeps only its keyed digest
(HMAC-SHA256 with `VISITFLOW_PSEUDONYM_SECRET`): `vf:link:{digest}` holds the office and the visit id,
and `vf:link:visit:{visit}` the digest, so a host can revoke it and a new one replaces the old. Both
expire at midnight of the visit's day; the page itself ends the link when the visit ends. Nothing
about the visitor is behind it: an office, an opaque visit id and when it was minted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

import orjson
import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline

from .contacts import ContactStore, seconds_left

# Letters only (no look-alikes): 32 of them are 179 random bits, and a token holds no digit, so no part
# of it can ever look like a phone or identity number to the edge's personal-data check.
ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 32
TOKEN = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")

# A random byte below 245 (5 x 49) becomes the letter its remainder by 49 names, each letter from
# exactly five byte values; the 11 bytes above are dropped, so every letter is equally likely.
_EVEN = 256 - 256 % len(ALPHABET)
_LETTER_OF = bytes(ord(ALPHABET[b % len(ALPHABET)]) for b in range(_EVEN)).ljust(256, b"\0")
_UNEVEN = bytes(range(_EVEN, 256))


def new_token() -> str:
    return _LETTERS.take(LENGTH)


class _RandomLetters:
    """The alphabet's letters from the operating system's random bytes, drawn a few kilobytes at a time
    (more when too many bytes were dropped): one system call for about a hundred tokens instead of one
    each, which was 2-4 % of the check-in API's CPU on a busy virtual machine. Each byte is used once; a
    forked child forgets what its parent drew, so the two never hand out the same letters."""

    DRAW = 4096

    def __init__(self) -> None:
        self._letters = b""
        self._at = 0
        self._lock = threading.Lock()
        self._forks_watched = False

    def take(self, count: int) -> str:
        with self._lock:
            if not self._forks_watched:
                os.register_at_fork(after_in_child=self._forget)
                self._forks_watched = True
            while len(self._letters) - self._at < count:
                drawn = secrets.token_bytes(self.DRAW).translate(_LETTER_OF, _UNEVEN)
                self._letters, self._at = self._letters[self._at :] + drawn, 0
            taken = self._letters[self._at : self._at + count]
            self._at += count
        return taken.decode()

    def _forget(self) -> None:
        self._letters, self._at = b"", 0


_LETTERS = _RandomLetters()  # empty: nothing is drawn before the first token


@dataclass(frozen=True)
class VisitLink:
    digest: str  # what Redis keys and rate limits name instead of the token
    office_id: str
    visit_id: UUID
    minted_at: datetime


def link_digest(secret: str, token: str) -> str:
    mac = hmac.new(secret.encode(), b"visit-link:" + token.encode(), hashlib.sha256).digest()
    return "l-" + base64.b32encode(mac[:20]).decode().lower()


def _key(digest: str) -> str:
    return f"vf:link:{digest}"


def _of(visit_id: UUID) -> str:
    return f"vf:link:visit:{visit_id}"


@dataclass
class NewLink:
    """A link minted and not yet in Redis. `write` adds its writes to a transaction's pipeline: the visit's
    digest replaced and the one it held read back in the same transaction (`SET ... GET`); `written`,
    given the pipeline's results, ends the earlier link (a second round trip, only for a visit that had
    one: a resent check-in)."""

    token: str
    digest: str
    visit_id: UUID
    record: bytes
    ttl_s: int
    redis: aioredis.Redis
    _replaced_at: int = field(default=-1, init=False)

    def write(self, pipe: Pipeline) -> None:
        pipe.set(_key(self.digest), self.record, ex=self.ttl_s)
        self._replaced_at = len(pipe)
        pipe.set(_of(self.visit_id), self.digest, ex=self.ttl_s, get=True)

    async def written(self, results: Sequence[Any]) -> None:
        previous = results[self._replaced_at]
        if previous and previous.decode() != self.digest:
            await self.redis.delete(_key(previous.decode()))


class LinkStore:
    def __init__(self, redis: aioredis.Redis, secret: str) -> None:
        self._redis, self._secret = redis, secret

    def new(self, office_id: str, visit_id: UUID, day: date, now: datetime) -> NewLink:
        """A new link to the visit, valid until the end of `day`, to be written in a caller's round trip
        (`NewLink.write`); once written, the visit's earlier link stops working."""
        token = new_token()
        record = orjson.dumps(
            {"office_id": office_id, "visit_id": str(visit_id), "minted_at": now.isoformat()}
        )
        return NewLink(
            token, link_digest(self._secret, token), visit_id, record, seconds_left(day, now), self._redis
        )

    async def mint(
        self,
        office_id: str,
        visit_id: UUID,
        day: date,
        now: datetime,
        also: Callable[[Pipeline, str], None] | None = None,
    ) -> str:
        """A new link to the visit (`new`) written at once; `also(pipeline, token)` adds the caller's own
        writes of the link to the same round trip."""
        link = self.new(office_id, visit_id, day, now)
        async with self._redis.pipeline(transaction=True) as pipe:
            link.write(pipe)
            if also is not None:
                also(pipe, link.token)
            results = await pipe.execute()
        await link.written(results)
        return link.token

    async def resolve(self, token: str) -> VisitLink | None:
        """The link a token opens; None for one never minted, revoked or expired (or not a token)."""
        if not TOKEN.fullmatch(token):
            return None
        digest = link_digest(self._secret, token)
        raw = await self._redis.get(_key(digest))
        if raw is None:
            return None
        record = orjson.loads(raw)
        return VisitLink(
            digest, record["office_id"], UUID(record["visit_id"]), datetime.fromisoformat(record["minted_at"])
        )

    async def revoke(self, visit_id: UUID, office_id: str | None = None) -> bool:
        """Ends the visit's link (only if it is `office_id`'s, when given), and forgets it in the contact
        store; False when it had none."""
        digest = await self._redis.get(_of(visit_id))
        if digest is None:
            return False
        raw = await self._redis.get(_key(digest.decode()))
        if office_id is not None and (raw is None or orjson.loads(raw)["office_id"] != office_id):
            return False
        await self._redis.delete(_of(visit_id), _key(digest.decode()))
        await ContactStore(self._redis).forget_link(visit_id)
        return True
