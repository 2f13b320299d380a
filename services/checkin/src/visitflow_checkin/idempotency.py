"""Remembers the answer to each Idempotency-Key for a day, so a retried tap gets the same ticket.

If Redis has lost the record, the retry still lands on the same visit id, which the queue ignores as
already queued and answers with the ticket it gave before.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson
import redis.asyncio as aioredis
from pydantic import BaseModel
from visitflow_platform.errors import ApiError

KEEP_S = 24 * 3600


@dataclass(frozen=True)
class Remembered:
    status: int
    body: dict[str, object]


class IdempotencyStore:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis

    @staticmethod
    def fingerprint(request: BaseModel) -> str:
        return hashlib.sha256(request.model_dump_json().encode()).hexdigest()

    async def recall(self, office_id: str, key: str, fingerprint: str) -> Remembered | None:
        raw = await self._redis.get(f"vf:idem:checkin:{office_id}:{key}")
        if raw is None:
            return None
        stored = orjson.loads(raw)
        if stored["fingerprint"] != fingerprint:
            raise ApiError(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was already used for a different check-in.",
            )
        return Remembered(stored["status"], stored["body"])

    async def remember(
        self, office_id: str, key: str, fingerprint: str, status: int, body: dict[str, object]
    ) -> None:
        value = orjson.dumps({"fingerprint": fingerprint, "status": status, "body": body})
        await self._redis.set(f"vf:idem:checkin:{office_id}:{key}", value, ex=KEEP_S)
