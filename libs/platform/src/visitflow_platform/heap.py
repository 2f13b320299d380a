"""Keeping Python's cyclic garbage collector off what a service loads once and keeps.

A service holds 110,000-260,000 objects once started (modules, the office directory, a worker's
recovered tables). Each full collection walked them all and stopped the event loop for 100-350 ms
on the 2-core machine, a few times a minute under load: the tail of every latency. Frozen, they are
skipped by every later collection (which then takes 5-40 ms); they are still freed as usual when
nothing refers to them any more.

An API serving live streams keeps growing a second kind of long-lived object: each open stream holds
about 290 (its task, coroutines, cancel scopes). With 5,000 streams a full collection walks 1.4 million
objects and stops the event loop for about 0.7 s, and Python runs one each time the heap has grown
by a quarter: eleven while the streams of a waiting-room fleet connect. A worker's tables grow all
day in the same way, and the rebuild from Kafka keeps every event it reads. What outlived a full
collection is frozen too, so the next ones walk only what is newer; every `refresh_s` everything is
unfrozen and collected once, so cycles left by closed streams are not kept for longer than that
(docs/decisions/garbage-collection.md).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

log = logging.getLogger(__name__)


def freeze_startup_objects() -> int:
    """Collects what start-up left behind, then exempts everything alive from later collections.

    Logs and returns how many objects are frozen."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("start-up objects frozen", extra={"objects": frozen})
    return frozen


def _full_collections() -> int:
    return int(gc.get_stats()[2]["collections"])


class SurvivorFreezer:
    """Freezes what survived each full collection; unfreezes and collects everything every `refresh_s`."""

    def __init__(self, refresh_s: float, now: float) -> None:
        self._refresh_s = refresh_s
        self._refreshed = now
        self._full = _full_collections()

    def tick(self, now: float) -> str | None:
        """What it did: "refreshed", "frozen" (a full collection ran since the last tick) or None."""
        if now - self._refreshed >= self._refresh_s:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self._refreshed, self._full = now, _full_collections()
            return "refreshed"
        if (full := _full_collections()) != self._full:
            gc.freeze()
            self._full = full
            return "frozen"
        return None


async def keep_survivors_frozen(refresh_s: float = 900.0, check_s: float = 1.0) -> None:
    """Runs a `SurvivorFreezer` for as long as the process serves."""
    freezer = SurvivorFreezer(refresh_s, time.monotonic())
    while True:
        await asyncio.sleep(check_s)
        started = time.perf_counter()
        if freezer.tick(time.monotonic()) == "refreshed":
            log.info(
                "heap refreshed",
                extra={"frozen": gc.get_freeze_count(), "ms": round((time.perf_counter() - started) * 1000)},
            )
