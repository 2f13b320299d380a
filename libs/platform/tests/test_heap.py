import asyncio
import gc
import weakref
from collections.abc import Iterator

import faust
import pytest
from visitflow_platform.heap import SurvivorFreezer, freeze_startup_objects
from visitflow_platform.streams import keep_heap_frozen


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen")
def test_objects_alive_at_start_up_are_left_out_of_later_collections() -> None:
    loaded = {"office": ["kept for the whole run"]}
    frozen = freeze_startup_objects()
    assert frozen == gc.get_freeze_count() > 0
    tracked = {id(obj) for generation in range(3) for obj in gc.get_objects(generation)}
    assert id(loaded) not in tracked
    created_later: dict[str, list[str]] = {"visit": []}
    assert any(obj is created_later for obj in gc.get_objects(0))


@pytest.mark.usefixtures("unfrozen")
def test_garbage_left_by_start_up_is_collected_not_frozen() -> None:
    class Node:
        other: object = None

    cycle = Node()
    cycle.other = cycle
    gone = weakref.ref(cycle)
    del cycle
    freeze_startup_objects()
    assert gone() is None


def _tracked(obj: object) -> bool:
    return any(o is obj for generation in range(3) for o in gc.get_objects(generation))


@pytest.mark.usefixtures("unfrozen")
def test_what_outlives_a_full_collection_is_frozen_at_the_next_tick() -> None:
    freezer = SurvivorFreezer(refresh_s=900, now=0)
    stream = {"open": ["a live stream's state"]}
    assert freezer.tick(1) is None  # no full collection yet: nothing to freeze
    assert _tracked(stream)
    gc.collect()
    assert freezer.tick(2) == "frozen"
    assert not _tracked(stream)
    assert freezer.tick(3) is None


@pytest.mark.usefixtures("unfrozen")
def test_a_refresh_collects_cycles_that_became_garbage_while_frozen() -> None:
    class Stream:
        other: object = None

    freezer = SurvivorFreezer(refresh_s=900, now=0)
    closed = Stream()
    closed.other = closed
    gone = weakref.ref(closed)
    gc.collect()
    assert freezer.tick(1) == "frozen"
    del closed
    gc.collect()
    assert gone() is not None  # frozen: full collections skip it
    assert freezer.tick(901) == "refreshed"
    assert gone() is None
    assert gc.get_freeze_count() > 0


@pytest.mark.usefixtures("unfrozen")
async def test_a_worker_keeps_what_outlives_each_full_collection_frozen() -> None:
    upkeep = keep_heap_frozen(faust.Service())
    await asyncio.sleep(0)  # the worker runs on
    try:
        at_start = gc.get_freeze_count()
        assert at_start > 0
        tables = [[f"visit {number}"] for number in range(10_000)]  # grown after start-up
        gc.collect()
        await asyncio.sleep(1.5)  # the upkeep looks every second
        assert gc.get_freeze_count() >= at_start + len(tables)
        assert not _tracked(tables)
    finally:
        upkeep.cancel()
