"""Redis wiped in the middle of the day: every read model comes back from Kafka by itself, open live
streams get the fresh snapshot pushed, and new check-ins and calls flow again."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from visitflow_devstack.testing import System, eventually
from visitflow_metrics.pacing import BATCH_PAUSE_S

pytestmark = [pytest.mark.integration, pytest.mark.faults]
OFFICE = "fredrikstad"


def _lines(display: dict[str, Any]) -> list[tuple[str, int]]:
    return [(line["line_id"], line["waiting"]) for line in display["lines"]]


def _counting(display: dict[str, Any], queue: dict[str, Any]) -> dict[str, Any] | None:
    """The board, once it counts as many waiting as the queue holds."""
    return display if sum(waiting for _, waiting in _lines(display)) == len(queue["waiting"]) else None


def _footfall(system: System) -> dict[str, Any]:
    counters: dict[str, Any] = system.metrics.get(f"/api/offices/{OFFICE}/footfall").json()["counters"]
    return counters


def _settled(read: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
    """The figures once the metrics worker has counted everything (two reads a batch pause and a half
    second apart agree): a check-in is answered when the queue has it, the metrics worker may still be
    counting."""
    first = read()
    time.sleep(BATCH_PAUSE_S + 0.5)
    return first if read() == first else None


def test_read_models_and_live_streams_recover_from_kafka_after_a_wipe(system: System) -> None:
    for _ in range(3):
        assert system.check_in(OFFICE, {"kind": "drop_in", "reason": "job_seeking"}).status_code == 201
    queue_before = system.waiting_list(OFFICE)
    # the notify worker handles the queue's events on its own: the board counts everyone waiting soon
    display_before = eventually(
        lambda: _counting(system.notify.get(f"/api/offices/{OFFICE}/display").json(), queue_before),
        15,
        "the display board counting everyone waiting",
    )
    footfall_before = eventually(lambda: _settled(lambda: _footfall(system)), 15, "today's figures settled")
    assert queue_before["waiting"]

    with system.live(system.queue, f"/api/offices/{OFFICE}/queue/stream") as frames:
        assert next(frames)["event"] == "snapshot"
        system.redis.flushall()
        pushed = next(frames)  # nobody ran a rebuild: the worker noticed and projected again
        assert pushed["event"] == "snapshot"
        assert orjson.loads(pushed["data"])["snapshot"] == queue_before

    assert system.waiting_list(OFFICE) == queue_before
    eventually(
        lambda: _lines(system.notify.get(f"/api/offices/{OFFICE}/display").json()) == _lines(display_before),
        20,
        "the display board back",
    )
    eventually(
        lambda: _footfall(system) == footfall_before,
        30,
        "today's figures back",
    )

    after = system.check_in(OFFICE, {"kind": "drop_in", "reason": "other"})
    assert after.status_code == 201  # the answer needs the reply channel: Redis is in use again
    called = system.command(OFFICE, "call-next", {"room_id": "samtalerom-5"})
    assert called.status_code in (200, 409), called.text
    waiting = [v["ticket"] for v in system.waiting_list(OFFICE)["waiting"]]
    assert (
        after.json()["ticket"] in waiting
        or called.json().get("event", {}).get("ticket") == after.json()["ticket"]
    )
