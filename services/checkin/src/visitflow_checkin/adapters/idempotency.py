"""One record per check-in in Redis, claimed before anything is published, so a retried tap gets the
first tap's answer and two taps racing with one key never publish two different events.

The record is keyed by the visit id, which derives from the office and a keyed digest of the
Idempotency-Key: the key a client sent is never part of a Redis key. While the first request is in
flight the record holds the office and the request's fingerprint, for at most `in_flight_s`; then
the answer (201 or 202) for a day. A request that finds the record

- with another fingerprint is refused (`refused`: 422 `idempotency_key_reused`);
- with an answer gets that answer;
- in flight waits up to `patience_s` for the answer, then is told to retry (`refused`: 409
  `in_progress`).

A request that ends without an answer to keep (refused, or Kafka did not confirm) removes its claim, so
the retry is decided afresh. If Redis has lost the record, the retry still lands on the same visit id,
which the queue ignores as already queued and answers with the ticket it gave before.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from uuid import UUID

import orjson
import redis.asyncio as aioredis
from pydantic import BaseModel

from ..domain import Refusal
from ..handlers.ports import CountedRequest, LinkToKeep

KEEP_S = 24 * 3600
POLL_S = 0.05


def _key(visit_id: UUID) -> str:
    return f"vf:idem:checkin:{visit_id}"


@dataclass(frozen=True)
class Remembered:
    status: int
    body: dict[str, object]


@dataclass
class Claim:
    """A request's hold on its check-in's record: `prior` is the answer already given, if any; `refused`
    why the request may not be decided (the record is another request's then)."""

    prior: Remembered | None
    refused: Refusal | None
    _record: dict[str, object]
    _redis: aioredis.Redis
    _key: str
    kept: bool = False

    async def keep(self, status: int, body: dict[str, object], link: LinkToKeep | None = None) -> None:
        """Stores the answer for the day, for every retry of the request; `link` in the same transaction,
        so a resend that finds the answer finds the link too."""
        value = orjson.dumps({**self._record, "status": status, "body": body})
        if link is None:
            await self._redis.set(self._key, value, ex=KEEP_S)
        else:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(self._key, value, ex=KEEP_S)
                link.write(pipe)
                results = await pipe.execute()
            await link.written(results)
        self.kept = True


class IdempotencyStore:
    def __init__(
        self, redis: aioredis.Redis, secret: str, in_flight_s: float, patience_s: float = 3.0
    ) -> None:
        self._redis, self._secret = redis, secret.encode()
        self._in_flight_s, self._patience_s = in_flight_s, patience_s

    def fingerprint(self, request: BaseModel, *context: str | None) -> str:
        """The request's body and whatever else it names (its device), as a keyed digest: the body may
        hold a phone number, and a plain hash of an otherwise guessable body would give it away."""
        data = orjson.dumps([request.model_dump(mode="json"), *context])
        return hmac.new(self._secret, data, hashlib.sha256).hexdigest()

    @asynccontextmanager
    async def claim(
        self, visit_id: UUID, office_id: str, fingerprint: str, counted: CountedRequest | None = None
    ) -> AsyncIterator[Claim]:
        """Holds the check-in's record while the request is decided; without an answer kept by the end,
        the claim is removed (a refused claim holds nothing). `counted` is counted by the rate limit in
        the same round trip as the claim; over the limit, the claim is let go and the refusal raised."""
        key = _key(visit_id)
        record: dict[str, object] = {"office_id": office_id, "fingerprint": fingerprint}
        taken = await self._take(key, record, counted)
        refused = taken if isinstance(taken, Refusal) else None
        prior = taken if isinstance(taken, Remembered) else None
        claim = Claim(prior, refused, record, self._redis, key)
        try:
            yield claim
        finally:
            if prior is None and refused is None and not claim.kept:
                await self._redis.delete(key)

    async def office_of(self, visit_id: UUID) -> str | None:
        """The office a check-in was made at, while its record is kept."""
        raw = await self._redis.get(_key(visit_id))
        return str(orjson.loads(raw)["office_id"]) if raw else None

    async def _take(
        self, key: str, record: dict[str, object], counted: CountedRequest | None
    ) -> Remembered | Refusal | None:
        """None once this request holds the record; the answer if one was given; or a refusal. The
        record is set only if absent and the one there read in the same command (`SET NX GET`), so
        another request letting go in between leaves no gap."""
        give_up = time.monotonic() + self._patience_s
        value, ttl = orjson.dumps(record), round(self._in_flight_s)
        async with self._redis.pipeline(transaction=False) as pipe:
            if counted is not None:
                counted.count(pipe)
            pipe.set(key, value, nx=True, ex=ttl, get=True)
            results = await pipe.execute()
        held: bytes | None = results[-1]
        if counted is not None:
            try:
                counted.judge(results[0])
            except Exception:
                if held is None:  # over the limit: what it claimed is let go before it is refused
                    await self._redis.delete(key)
                raise
        while held is not None:
            stored = orjson.loads(held)
            if stored["fingerprint"] != record["fingerprint"]:
                return Refusal(
                    422,
                    "idempotency_key_reused",
                    "This Idempotency-Key was already used for a different check-in.",
                )
            if "status" in stored:
                return Remembered(stored["status"], stored["body"])
            if time.monotonic() > give_up:
                retry = max(1, await self._redis.ttl(key))
                return Refusal(
                    409,
                    "in_progress",
                    "This check-in is still being recorded; try again in a moment.",
                    retry_after_s=retry,
                )
            await asyncio.sleep(POLL_S)
            held = await self._redis.set(key, value, nx=True, ex=ttl, get=True)
        return None
