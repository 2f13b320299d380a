"""The read model in Redis: each office-day's summary, its flat counters, and the region's live frames.

A summary is written only when its version is newer than the stored one, so a replay from the
compacted topic and the live worker can write in any order and the newest always wins. The summary,
the counters, the region's history and the push are written in one Lua call, so they never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import redis.asyncio as aioredis
from visitflow_platform.live import HISTORY, LiveKeys

from ..domain import DaySummary, OpenFollowUps

LIVE_SCOPE = "metrics-region"
LOADED_KEY = "vf:metrics:history-loaded"
_WRITE = """
local current = redis.call('HGET', KEYS[1], 'version')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'data', ARGV[2])
redis.call('DEL', KEYS[2])
if #ARGV > 6 then redis.call('HSET', KEYS[2], unpack(ARGV, 7)) end
if ARGV[3] == '1' then
  local id = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'type', ARGV[4], 'data', ARGV[5])
  redis.call('PUBLISH', KEYS[4], id .. '\\n' .. ARGV[4] .. '\\n' .. ARGV[5])
end
return 1
"""
OFFICE_FRAME = "office"
_WRITE_NEWER = """
local current = redis.call('HGET', KEYS[1], 'version')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'data', ARGV[2])
return 1
"""


def counters_key(office_id: str, day: date) -> str:
    return f"vf:metrics:{office_id}:{day.isoformat()}"


def summary_key(office_id: str, day: date) -> str:
    return f"{counters_key(office_id, day)}:summary"


def follow_ups_key(office_id: str) -> str:
    return f"vf:metrics:{office_id}:follow-ups"


class SummaryStore:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis
        self.live_keys = LiveKeys(LIVE_SCOPE)

    async def write_all(self, writes: Sequence[tuple[DaySummary, str, str | None]]) -> int:
        """Stores each (summary, region, frame) whose summary is newer than the stored one, and pushes
        the frame, when given, to the region's live stream; all in one round trip. Returns how many
        were stored."""
        if not writes:
            return 0
        keys = self.live_keys
        async with self._redis.pipeline(transaction=False) as pipe:
            for summary, region_id, frame in writes:
                args: list[object] = [
                    summary.version,
                    summary.json_bytes,
                    "1" if frame is not None else "0",
                    OFFICE_FRAME,
                    frame or "",
                    HISTORY,
                ]
                for name, amount in summary.counters.items():
                    args += [name, amount]
                pipe.eval(
                    _WRITE,
                    4,
                    summary_key(summary.office_id, summary.business_date),
                    counters_key(summary.office_id, summary.business_date),
                    keys.stream(region_id),
                    keys.channel(region_id),
                    *args,
                )
            written = await pipe.execute()
        return sum(1 for stored in written if stored)

    async def read(self, wanted: Iterable[tuple[str, date]]) -> dict[tuple[str, date], DaySummary]:
        """The stored summaries of the wanted office-days (missing ones are left out)."""
        keys: Sequence[tuple[str, date]] = list(wanted)
        async with self._redis.pipeline(transaction=False) as pipe:
            for office_id, day in keys:
                pipe.hget(summary_key(office_id, day), "data")
            values = await pipe.execute()
        return {
            key: DaySummary.model_validate_json(value)
            for key, value in zip(keys, values, strict=True)
            if value is not None
        }

    async def write_follow_ups(self, writes: Sequence[OpenFollowUps]) -> int:
        """Stores each office's open follow-ups that are newer than the stored ones; returns how many."""
        if not writes:
            return 0
        async with self._redis.pipeline(transaction=False) as pipe:
            for follow_ups in writes:
                key = follow_ups_key(follow_ups.office_id)
                pipe.eval(_WRITE_NEWER, 1, key, follow_ups.version, follow_ups.model_dump_json())
            written = await pipe.execute()
        return sum(1 for stored in written if stored)

    async def read_follow_ups(self, office_ids: Iterable[str]) -> dict[str, OpenFollowUps]:
        """The stored open follow-ups of the offices (an office with none ever is left out)."""
        ids = list(office_ids)
        async with self._redis.pipeline(transaction=False) as pipe:
            for office_id in ids:
                pipe.hget(follow_ups_key(office_id), "data")
            values = await pipe.execute()
        return {
            office_id: OpenFollowUps.model_validate_json(value)
            for office_id, value in zip(ids, values, strict=True)
            if value is not None
        }

    async def history_loaded(self) -> bool:
        return bool(await self._redis.exists(LOADED_KEY))

    async def mark_history_loaded(self) -> None:
        await self._redis.set(LOADED_KEY, "1")
