"""Redis wiped while visitors wait: until the queue worker has projected its offices again, the queue
API answers 503 `rebuilding` with Retry-After, for the waiting list and for a live stream's first
snapshot; it never answers an empty list for an office where people are waiting. It is whole again
within seconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest
from visitflow_devstack.testing import System

pytestmark = [pytest.mark.integration, pytest.mark.faults]
OFFICE = "arendal"
RECOVERY_S = 10.0


def _waiting_list(system: System) -> httpx.Response:
    return system.queue.get(f"/api/offices/{OFFICE}/queue")


def _first_frame(system: System) -> httpx.Response:
    """The live stream's answer, with its first frame's snapshot as the body when it is a stream."""
    with system.queue.stream("GET", f"/api/offices/{OFFICE}/queue/stream") as answer:
        if answer.status_code != 200:
            answer.read()
            return answer
        data = next(line for line in answer.iter_lines() if line.startswith("data:"))
        snapshot = orjson.loads(data.removeprefix("data:"))["snapshot"]
        return httpx.Response(200, json=snapshot, headers=answer.headers)


def _poll_until_whole(read: Callable[[], httpx.Response]) -> tuple[list[dict[str, Any]], float]:
    """Asks until the answer is 200; every answer before must be 503 `rebuilding` with Retry-After."""
    started = time.monotonic()
    while True:
        answer = read()
        if answer.status_code == 200:
            return answer.json()["waiting"], time.monotonic() - started
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == "rebuilding"
        assert int(answer.headers["Retry-After"]) >= 1
        assert time.monotonic() - started < RECOVERY_S, "the read model did not come back"
        time.sleep(0.02)


@pytest.mark.parametrize("read", [_waiting_list, _first_frame], ids=["waiting-list", "live-stream"])
def test_after_a_wipe_the_queue_answers_the_truth_or_503_rebuilding(
    system: System, read: Callable[[System], httpx.Response]
) -> None:
    system.clear(OFFICE)
    for _ in range(3):
        assert system.check_in(OFFICE, {"kind": "drop_in", "reason": "job_seeking"}).status_code == 201
    before = [visit["ticket"] for visit in system.waiting_list(OFFICE)["waiting"]]
    assert len(before) == 3

    system.redis.flushall()
    waiting, took_s = _poll_until_whole(lambda: read(system))

    assert [visit["ticket"] for visit in waiting] == before  # never an empty list, never a partial one
    assert took_s < RECOVERY_S
