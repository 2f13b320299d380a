"""The metrics worker keeps the read model's history loaded: when Redis lost it (first start, a wipe, a
new Redis) it is replayed from the history topic; a failed replay is logged and tried again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .ports import Loaded

log = logging.getLogger(__name__)


@dataclass
class HistoryReload:
    store: Loaded
    replay: Callable[[], Awaitable[int]]  # the history topic into the read model
    every_s: float

    async def once(self) -> bool:
        """Replays the history if the read model lacks it; whether it did."""
        if await self.store.history_loaded():
            return False
        await self.replay()
        return True

    async def keep_loaded(self) -> None:
        """Checks every `every_s`, for as long as the worker runs."""
        while True:
            try:
                await self.once()
            except Exception:
                log.exception("could not replay the metrics history; trying again")
            await asyncio.sleep(self.every_s)
