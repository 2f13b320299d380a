import gc
import weakref
from collections.abc import Iterator

import pytest
from visitflow_platform.heap import freeze_startup_objects


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
