"""The day ends by the clock and drops no one: the hosts are warned half an hour before closing, then the
queue worker's own timer closes the day. Visitors in a conversation are completed as served, emergencies
not yet served are carried to the follow-up list (shown on the tablet, counted for Prometheus) until a
host resolves them, and the day's end says what it did in an event and a log line. A host's tablet in
Chromium, open all along, shows the warning, then the follow-up list, and resolves one from it.

Its own check-in, queue and metrics services on a clock 240 times faster than real time (a minute is a
quarter of a second), starting at noon on Monday 23 November 2026 in Oslo: NAV Løten closes at 15:30 and
its day is closed half an hour later."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import orjson
import pytest
from playwright.sync_api import expect
from prometheus_client.parser import text_string_to_metric_families
from visitflow_devstack.stack import SERVICES, Stack
from visitflow_devstack.testing import System, eventually, move_ports
from visitflow_events import (
    FollowUpResolved,
    OfficeDayClosed,
    ServiceCompleted,
    VisitCarriedOver,
    VisitClosedAtDayEnd,
    VisitEvent,
    decode,
)
from visitflow_offices import OSLO
from visitflow_platform.access import Role

pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.browser]
OFFICE = "loten"  # drop-in Monday 12:00-15:00, open until 15:30
STACK_OFFSET = 25  # clear of the session's ports and of the other tests' stacks (5 to 20)
SPEED = 240
NOON = "2026-11-23T12:00:00+01:00"
NEEDED = ("visitflow_checkin", "visitflow_queue", "visitflow_metrics")


@pytest.fixture(scope="module")
def fast_day() -> Iterator[System]:
    with pytest.MonkeyPatch.context() as patch:  # the stack reads its ports when made
        move_ports(patch, STACK_OFFSET)
        stack = Stack(
            "test",
            {
                "VISITFLOW_CLOCK_START": NOON,
                "VISITFLOW_CLOCK_EPOCH": f"{time.time():.3f}",
                "VISITFLOW_CLOCK_SPEED": str(SPEED),
                "VISITFLOW_ROLLOVER_CHECK_S": "0.25",  # a minute of the clock
            },
            fresh=True,
        )
    try:
        stack.start_infra()
        for service in SERVICES:
            if service.module in NEEDED:
                stack.start_service(service)
        stack.wait_ready()
        system = System(stack)
        try:
            yield system
        finally:
            system.close()
    finally:
        stack.stop()


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=OSLO)


def _wait_for_the_clock(system: System, moment: datetime) -> None:
    while (ahead := (moment - system.clock.now()).total_seconds()) > 0:
        time.sleep(min(ahead / SPEED, 1.0))


def _ok(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code in (200, 201), answer.text
    body: dict[str, Any] = answer.json()
    return body


def _figures(system: System) -> dict[str, float]:
    """The office's follow-up figures as Prometheus scrapes them."""
    token = {"Authorization": f"Bearer {system.token(Role.SCRAPER)}"}
    text = httpx.get(system.stack.url("metrics") + "/metrics/offices", headers=token, timeout=20).text
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if "follow_up" in sample.name and sample.labels["office"] == OFFICE
    }


def _figures_when(system: System, open_follow_ups: int) -> dict[str, float]:
    def probe() -> dict[str, float] | None:
        figures = _figures(system)
        return figures if figures.get("visitflow_office_follow_ups_open") == open_follow_ups else None

    return eventually(probe, 20, f"{open_follow_ups} follow-ups open in the figures")


def _queue_events(system: System) -> list[VisitEvent | OfficeDayClosed]:
    decoded = [decode(value) for value in system.read_topic(system.topics.visits)]
    return [
        event
        for event in decoded
        if isinstance(event, VisitEvent | OfficeDayClosed)
        and event.office_id == OFFICE
        and event.producer == "queue"
    ]


def test_the_day_ends_by_the_clock_completing_conversations_and_carrying_emergencies_over(
    fast_day: System, page: Any
) -> None:
    system = fast_day
    page.goto(system.page_url("queue", f"/tablet/{OFFICE}", Role.HOST, OFFICE))
    expect(page.locator("#status")).to_have_attribute("data-status", "live")
    assert system.clock.now() < _at(14), "the stack took too long to start for the day this test plays"
    emergency = {"kind": "emergency", "reason": "emergency_assistance"}
    drop_in = {"kind": "drop_in", "reason": "case_status"}
    waiting_emergency, called_emergency, talking, listening, waiting = (
        _ok(system.check_in(OFFICE, body)) for body in (emergency, emergency, drop_in, drop_in, drop_in)
    )
    for visit, room in (
        (talking, "samtalerom-1"),
        (listening, "samtalerom-2"),
        (called_emergency, "samtalerom-3"),
    ):
        _ok(system.command(OFFICE, f"visits/{visit['visit_id']}/call", {"room_id": room}))
    for visit in (talking, listening):
        _ok(system.command(OFFICE, f"visits/{visit['visit_id']}/start"))
    assert "closing" not in system.waiting_list(OFFICE)
    assert system.clock.now() < _at(15), "too slow to set the day up before the closing notice"

    # half an hour before closing the tablets are warned, without any event: the time alone changed it
    _wait_for_the_clock(system, _at(15))
    closing = eventually(lambda: system.waiting_list(OFFICE).get("closing"), 10, "the closing notice")
    assert closing == {"at": "15:30", "waiting": 2, "in_service": 2, "emergencies": 2}
    expect(page.locator("#closing")).to_have_text(
        "Stenger 15:30: 2 venter, 2 i samtale, 2 akutt går til oppfølging", timeout=10_000
    )

    # 16:00: the worker's timer closes the day
    _wait_for_the_clock(system, _at(16))
    snapshot = eventually(lambda: (s := system.waiting_list(OFFICE))["follow_up"] and s, 20, "the day closed")
    assert (snapshot["waiting"], snapshot["called"], snapshot["in_service"]) == ([], [], [])
    assert "closing" not in snapshot
    assert [(f["ticket"], f["kind"]) for f in snapshot["follow_up"]] == [
        (waiting_emergency["ticket"], "emergency"),
        (called_emergency["ticket"], "emergency"),
    ]
    assert [f["visit_id"] for f in snapshot["follow_up"]] == [
        waiting_emergency["visit_id"],
        called_emergency["visit_id"],
    ]

    events = _queue_events(system)
    (day_closed,) = [e for e in events if isinstance(e, OfficeDayClosed)]
    assert (day_closed.closed_visits, day_closed.completed_visits, day_closed.carried_over_visits) == (
        1,
        2,
        2,
    )
    served = {str(e.visit_id): e.outcome.value for e in events if isinstance(e, ServiceCompleted)}
    assert served == {talking["visit_id"]: "served", listening["visit_id"]: "served"}
    carried = {str(e.visit_id): e.stage.value for e in events if isinstance(e, VisitCarriedOver)}
    assert carried == {waiting_emergency["visit_id"]: "waiting", called_emergency["visit_id"]: "called"}
    assert [str(e.visit_id) for e in events if isinstance(e, VisitClosedAtDayEnd)] == [waiting["visit_id"]]

    logged = [
        orjson.loads(line)
        for line in (system.stack.home / "logs" / "queue-worker.log").read_text().splitlines()
        if '"office day closed"' in line
    ]
    assert [
        (line["office_id"], line["closed"], line["completed"], line["carried_over"]) for line in logged
    ] == [(OFFICE, 1, 2, 2)]
    assert not any(visit["ticket"] in str(logged) for visit in (waiting_emergency, called_emergency, waiting))

    figures = _figures_when(system, 2)
    assert figures["visitflow_office_oldest_follow_up_open_time_seconds"] == 0  # the office is closed

    # the tablet shows the follow-ups first; a host resolves one there, the other stays
    follow_ups = page.locator("#follow-ups > li")
    expect(page.locator("#follow-up")).to_be_visible(timeout=10_000)
    expect(follow_ups).to_have_count(2)
    expect(page.locator("#closing")).to_be_hidden()
    page.locator(f"#follow-ups > li[data-ticket='{waiting_emergency['ticket']}'] button").click()
    expect(follow_ups).to_have_count(1)
    expect(follow_ups.first).to_have_attribute("data-ticket", called_emergency["ticket"])
    assert [f["ticket"] for f in system.waiting_list(OFFICE)["follow_up"]] == [called_emergency["ticket"]]
    resolved = [e for e in _queue_events(system) if isinstance(e, FollowUpResolved)]
    assert [str(e.visit_id) for e in resolved] == [waiting_emergency["visit_id"]]
    again = system.command(OFFICE, f"follow-ups/{waiting_emergency['visit_id']}/resolve")
    assert (again.status_code, again.json()["error"]) == (409, "unknown_visit")
    eventually(
        lambda: _figures(system).get("visitflow_office_follow_ups_open") == 1, 20, "one follow-up left"
    )
