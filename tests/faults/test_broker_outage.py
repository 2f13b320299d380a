"""The broker stops for 20 seconds while hosts keep checking visitors in.

Every check-in is either acknowledged (201 with a ticket, or 202 while the queue catches up) or
refused with 503 and Retry-After; nothing is claimed that was not recorded. After the broker is back,
every acknowledged visit is in the waiting list and on the display, once, and check-ins succeed again."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from visitflow_devstack.testing import System, eventually

pytestmark = [pytest.mark.integration, pytest.mark.faults]
OFFICE = "hamar"


def test_check_ins_during_a_broker_outage_are_acknowledged_or_refused_never_lost(system: System) -> None:
    system.clear(OFFICE)
    outcomes: list[tuple[int, str | None, str | None]] = []
    stop = threading.Event()

    def host() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            answer = system.check_in(
                OFFICE,
                {"kind": "emergency", "reason": "emergency_assistance"},
                key=f"outage-{threading.get_ident()}-{n:05d}",
            )
            body = answer.json()
            outcomes.append((answer.status_code, body.get("visit_id"), answer.headers.get("Retry-After")))
            time.sleep(0.2)

    hosts = [threading.Thread(target=host) for _ in range(2)]
    for thread in hosts:
        thread.start()
    time.sleep(3)
    system.stop_kafka()
    time.sleep(20)
    system.start_kafka()
    time.sleep(3)
    stop.set()
    for thread in hosts:
        thread.join(timeout=60)

    statuses = Counter(status for status, _, _ in outcomes)
    assert set(statuses) <= {201, 202, 503}, statuses
    assert statuses[503] > 0, "the outage was not noticed"
    assert statuses[201] + statuses[202] > 0
    assert all(retry for status, _, retry in outcomes if status == 503)
    acknowledged = {visit for status, visit, _ in outcomes if status in (201, 202)}

    def queued() -> set[str] | None:
        waiting = [v["visit_id"] for v in system.waiting_list(OFFICE)["waiting"]]
        assert len(waiting) == len(set(waiting)), "a visit queued twice"
        return set(waiting) if acknowledged <= set(waiting) else None

    in_line = eventually(queued, 90, "every acknowledged check-in in the waiting list")
    refused = {visit for status, visit, _ in outcomes if status == 503} - acknowledged
    assert in_line == acknowledged | (
        in_line & refused
    )  # nothing unacknowledged beyond a 503 that got through

    def accepted() -> str | None:
        answer = system.check_in(OFFICE, {"kind": "emergency", "reason": "emergency_assistance"})
        return answer.json()["visit_id"] if answer.status_code in (201, 202) else None

    fresh = eventually(accepted, 60, "check-ins accepted again once the broker is back")

    def display_agrees() -> bool:
        waiting = system.waiting_list(OFFICE)["waiting"]
        if fresh not in {visit["visit_id"] for visit in waiting}:
            return False
        per_line = Counter(visit["line_id"] for visit in waiting)
        shown = system.notify.get(f"/api/offices/{OFFICE}/display").json()["lines"]
        return all(line["waiting"] == per_line[line["line_id"]] for line in shown)

    eventually(display_agrees, 30, "the display showing the waiting list, each visitor once")
