"""Two queue workers share the partitions; one is killed with SIGKILL in the middle of a busy minute and
later restarted. The waiting lists stay exact, and no visitor is ever called twice."""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter

import pytest
from visitflow_devstack.processes import Child
from visitflow_devstack.testing import System, eventually
from visitflow_events import Event, UndecodableMessage, VisitorCalled, VisitorQueued, decode

pytestmark = [pytest.mark.integration, pytest.mark.faults]
OFFICES = ["grunerlokka", "fredrikstad", "kristiansand", "arendal"]


def _assigned_workers(system: System) -> int:
    keys = system.redis.keys("vf:workers:queue:*")
    return sum(1 for key in keys if (value := system.redis.get(key)) and value != b"[]")


def test_a_worker_killed_under_load_loses_nothing_and_calls_nobody_twice(system: System) -> None:
    for office in OFFICES:
        system.clear(office)
    second = Child(
        "queue-worker-2",
        [sys.executable, "-m", "visitflow_queue", "worker"],
        system.stack.home / "logs" / "queue-worker-2.log",
        env=system.stack.env(),
        cwd=system.stack.home,
    )
    second.start()
    system.stack.add(second)
    eventually(lambda: _assigned_workers(system) >= 2, 60, "two workers sharing the partitions")

    answers: list[tuple[str, int, str | None]] = []
    stop = threading.Event()

    def host(office: str) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            answer = system.check_in(
                office, {"kind": "drop_in", "reason": "case_status"}, key=f"takeover-{office}-{n}"
            )
            answers.append((office, answer.status_code, answer.json().get("visit_id")))
            if n % 3 == 0:  # and the hosts call people in as they go
                system.command(office, "call-next", {"room_id": "samtalerom-1"})
                for visit in system.waiting_list(office)["called"]:
                    system.command(office, f"visits/{visit['visit_id']}/complete", {"outcome": "served"})
            time.sleep(0.1)

    hosts = [threading.Thread(target=host, args=(office,)) for office in OFFICES]
    for thread in hosts:
        thread.start()
    time.sleep(5)
    system.stack.children["queue-worker"].kill()  # SIGKILL, mid-load
    time.sleep(15)
    system.restart_stopped("queue-worker")
    time.sleep(5)
    stop.set()
    for thread in hosts:
        thread.join(timeout=120)

    statuses = Counter(status for _, status, _ in answers)
    assert set(statuses) <= {201, 202}, statuses  # the brokers were fine: nothing was refused
    acknowledged = {visit for _, _, visit in answers}

    def queued() -> set[str] | None:
        found = {str(e.visit_id) for e in _office_events(system) if isinstance(e, VisitorQueued)}
        return found if acknowledged <= found else None

    eventually(queued, 120, "every acknowledged check-in queued")
    decisions = {
        e.event_id: e for e in _office_events(system) if isinstance(e, VisitorCalled) and e.call_number == 1
    }
    first_calls = Counter(
        str(call.visit_id) for call in decisions.values()
    )  # a replayed decision keeps its id
    assert first_calls, "nobody was called"
    assert max(first_calls.values()) == 1, first_calls.most_common(3)  # nobody called twice
    for office in OFFICES:
        snapshot = system.waiting_list(office)
        in_list = [v["visit_id"] for part in ("waiting", "called", "in_service") for v in snapshot[part]]
        assert len(in_list) == len(set(in_list)), office
        tickets = [v["ticket"] for part in ("waiting", "called", "in_service") for v in snapshot[part]]
        assert len(tickets) == len(set(tickets)), office


def _office_events(system: System) -> list[Event]:
    events = []
    for value in system.read_topic(system.topics.visits):
        try:
            event = decode(value)
        except UndecodableMessage:
            continue
        if isinstance(event, Event) and event.office_id in OFFICES:
            events.append(event)
    return events
