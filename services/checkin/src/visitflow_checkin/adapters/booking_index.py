"""What the booking import last published of each booking, in Redis (`BookingIndex`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import orjson
import redis.asyncio as aioredis

from ..domain import Recorded

FORGOTTEN_AFTER = timedelta(days=2)  # the index forgets a booking two days after it ended


class BookingIndex:
    """What the import last published of each booking, per office in one Redis hash: to tell a new
    booking from a moved one, number its versions and flag overlaps. Only booking ids, configured ids
    and times. If Redis loses it, a booking sent again is published again as booked, which the
    consumers take as the booking as it now stands."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis

    @staticmethod
    def _key(office_id: str) -> str:
        return f"vf:bookings:{office_id}"

    async def load(self, office_id: str) -> dict[str, Recorded]:
        raw: dict[bytes, bytes] = await self._redis.hgetall(self._key(office_id))
        return {field.decode(): _recorded(orjson.loads(value)) for field, value in raw.items()}

    async def record(
        self, office_id: str, changed: dict[str, Recorded], known: dict[str, Recorded], now: datetime
    ) -> None:
        """Keeps the changed bookings, and forgets those of `known` that ended two days ago."""
        key = self._key(office_id)
        stale = [b for b, rec in known.items() if rec.ends_at < now - FORGOTTEN_AFTER and b not in changed]
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={b: orjson.dumps(_stored(rec)) for b, rec in changed.items()})
            if stale:
                pipe.hdel(key, *stale)
            await pipe.execute()


def _stored(rec: Recorded) -> dict[str, Any]:
    return {
        "v": rec.version,
        "f": rec.fingerprint,
        "c": rec.counsellor_id,
        "s": rec.starts_at.isoformat(),
        "e": rec.ends_at.isoformat(),
        "x": rec.cancelled,
    }


def _recorded(raw: dict[str, Any]) -> Recorded:
    return Recorded(
        version=raw["v"],
        fingerprint=raw["f"],
        counsellor_id=raw["c"],
        starts_at=datetime.fromisoformat(raw["s"]),
        ends_at=datetime.fromisoformat(raw["e"]),
        cancelled=raw["x"],
    )
