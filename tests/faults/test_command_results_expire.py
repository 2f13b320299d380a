"""The queue worker keeps a command's result an hour, then deletes it with a tombstone on the results
table's changelog, so Kafka's compaction removes it and a restarting worker never reads it again.

Its own queue worker and API on a clock 10,000 times faster than real time: an hour is 0.36 s."""

from __future__ import annotations

import time
from collections.abc import Iterator

import orjson
import pytest
from visitflow_devstack.stack import SERVICES, Stack
from visitflow_devstack.testing import TEST_CLOCK_START, System, eventually, move_ports
from visitflow_platform.topics import changelog_topic
from visitflow_queue.handlers.visit_events import RESULTS_KEPT_S

pytestmark = [pytest.mark.integration, pytest.mark.faults]
OFFICE = "hamar"
STACK_OFFSET = 10  # ports clear of the session's services and of the cluster test's (moved by 5)
SPEED = 10_000


@pytest.fixture(scope="module")
def fast_queue() -> Iterator[System]:
    with pytest.MonkeyPatch.context() as patch:  # the stack reads its ports when made
        move_ports(patch, STACK_OFFSET)
        stack = Stack(
            "test",
            {
                "VISITFLOW_CLOCK_START": TEST_CLOCK_START,
                "VISITFLOW_CLOCK_EPOCH": f"{time.time():.3f}",
                "VISITFLOW_CLOCK_SPEED": str(SPEED),
            },
            fresh=True,
        )
    try:
        stack.start_infra()
        for service in SERVICES:
            if service.module == "visitflow_queue":
                stack.start_service(service)
        stack.wait_ready()
        system = System(stack)
        try:
            yield system
        finally:
            system.close()
    finally:
        stack.stop()


def test_a_commands_result_is_deleted_from_the_changelog_after_an_hour(fast_queue: System) -> None:
    system = fast_queue
    first = system.command(OFFICE, "call-next", {"room_id": "samtalerom-1"})
    assert first.status_code == 409, first.text  # nobody waiting: a rejection is a result kept too
    first_id = first.json()["command_id"]

    time.sleep(RESULTS_KEPT_S / SPEED + 1)  # an hour and a bit on the worker's clock
    later = system.command(OFFICE, "call-next", {"room_id": "samtalerom-1"})
    assert later.status_code == 409, later.text

    topic = changelog_topic(system.settings.topic_prefix, "queue", "command-results")
    first_key = orjson.dumps(first_id)  # the table's keys are JSON
    deleted = eventually(
        lambda: [value for key, value in system.read_records(topic) if key == first_key][1:] or None,
        15,
        "the first command's result deleted",
    )
    assert deleted == [None]  # a tombstone: compaction removes the key
    kept = {key for key, value in system.read_records(topic) if value is not None}
    assert orjson.dumps(later.json()["command_id"]) in kept
