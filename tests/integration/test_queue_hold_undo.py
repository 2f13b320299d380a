"""Hold, return, undo and the recall limit through the running system: what the host's tablet sees (the
queue API), what the waiting-room display shows (notify) and what the office's day counts (metrics)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from visitflow_devstack.testing import System, eventually

pytestmark = pytest.mark.integration
HOLD_OFFICE = "grunerlokka"  # drop-in every day 09:00-15:00; other tests clear it before they use it
UNDO_OFFICE = "kristiansand"
DROP_IN = {"kind": "drop_in", "reason": "case_status"}
ROOM = "samtalerom-1"


@pytest.fixture
def hold_office(system: System) -> Iterator[str]:
    system.clear(HOLD_OFFICE)
    try:
        yield HOLD_OFFICE
    finally:
        system.clear(HOLD_OFFICE)


@pytest.fixture
def undo_office(system: System) -> Iterator[str]:
    system.clear(UNDO_OFFICE)
    try:
        yield UNDO_OFFICE
    finally:
        system.clear(UNDO_OFFICE)


def _visitors(system: System, office: str, count: int) -> list[dict[str, Any]]:
    answers = [system.check_in(office, DROP_IN) for _ in range(count)]
    assert [answer.status_code for answer in answers] == [201] * count, [a.text for a in answers]
    return [answer.json() for answer in answers]


def _done(answer: httpx.Response, event_type: str) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    event: dict[str, Any] = answer.json()["event"]
    assert event["type"] == event_type
    return event


def _refused(answer: httpx.Response) -> str:
    assert answer.status_code == 409, answer.text
    code: str = answer.json()["error"]
    return code


def test_a_visitor_on_hold_keeps_their_place_is_never_called_and_returns_to_it(
    system: System, hold_office: str
) -> None:
    first, second, third = _visitors(system, hold_office, 3)
    visit = first["visit_id"]

    _done(system.command(hold_office, f"visits/{visit}/hold"), "VisitHeld")

    waiting = system.waiting_list(hold_office)["waiting"]
    assert [(v["ticket"], v["held"], v["position"]) for v in waiting] == [
        (first["ticket"], True, 1),
        (second["ticket"], False, 2),
        (third["ticket"], False, 3),
    ]
    assert _refused(system.command(hold_office, f"visits/{visit}/call", {"room_id": ROOM})) == "on_hold"
    called = _done(system.command(hold_office, "call-next", {"room_id": ROOM}), "VisitorCalled")
    assert called["visit_id"] == second["visit_id"]
    assert _refused(system.command(hold_office, f"visits/{visit}/hold")) == "wrong_stage"

    _done(system.command(hold_office, f"visits/{visit}/return"), "VisitReturned")

    waiting = system.waiting_list(hold_office)["waiting"]
    assert [(v["ticket"], v["held"]) for v in waiting] == [(first["ticket"], False), (third["ticket"], False)]
    again = _done(system.command(hold_office, "call-next", {"room_id": "samtalerom-2"}), "VisitorCalled")
    assert again["visit_id"] == visit


def test_a_called_visitor_who_stepped_out_goes_on_hold_and_the_room_is_free_for_the_next(
    system: System, hold_office: str
) -> None:
    first, second = _visitors(system, hold_office, 2)
    _done(system.command(hold_office, "call-next", {"room_id": ROOM}), "VisitorCalled")

    held = _done(system.command(hold_office, f"visits/{first['visit_id']}/hold"), "VisitHeld")

    assert held["stage"] == "called"
    snapshot = system.waiting_list(hold_office)
    assert snapshot["called"] == []
    assert [(v["ticket"], v["held"]) for v in snapshot["waiting"]] == [
        (first["ticket"], True),
        (second["ticket"], False),
    ]
    next_one = _done(system.command(hold_office, "call-next", {"room_id": ROOM}), "VisitorCalled")
    assert next_one["visit_id"] == second["visit_id"]


def _display_calls(system: System, office: str) -> list[str]:
    return [call["ticket"] for call in system.notify.get(f"/api/offices/{office}/display").json()["calls"]]


def _counters(system: System, office: str) -> dict[str, int]:
    counters: dict[str, int] = system.metrics.get(f"/api/offices/{office}/footfall").json()["counters"]
    return counters


def _counters_when(system: System, office: str, called: int | None = None, **live: int) -> dict[str, int]:
    """The office's counters once its live figures (`in_office`, `waiting`, `in_service`), and the day's
    first calls (`called`) if given, are as given: the metrics worker has then counted every event of
    the office up to the one that made them so. The calls tell this test's visitor from an earlier
    test's left in the same state, whose end the metrics worker may not have counted yet."""

    def probe() -> dict[str, int] | None:
        footfall = system.metrics.get(f"/api/offices/{office}/footfall").json()
        counters: dict[str, int] = footfall["counters"]
        if called is not None and counters.get("called", 0) != called:
            return None
        return counters if all(footfall["live"][name] == value for name, value in live.items()) else None

    return eventually(probe, what=f"the metrics of {office} at {live}")


def test_an_undone_no_show_is_back_on_the_tablet_and_the_display_and_is_not_counted(
    system: System, undo_office: str
) -> None:
    (visitor,) = _visitors(system, undo_office, 1)
    visit, ticket = visitor["visit_id"], visitor["ticket"]
    called = _counters(system, undo_office).get("called", 0)  # an earlier visitor's call is counted
    _done(system.command(undo_office, f"visits/{visit}/call", {"room_id": ROOM}), "VisitorCalled")
    eventually(lambda: ticket in _display_calls(system, undo_office), what="the call on the display")
    before = _counters_when(system, undo_office, called + 1, in_office=1, in_service=1)
    no_show = _done(system.command(undo_office, f"visits/{visit}/no-show"), "VisitorNoShow")
    eventually(lambda: ticket not in _display_calls(system, undo_office), what="the call off the display")
    no_shown = _counters_when(system, undo_office, in_office=0)
    assert no_shown["no_shows"] == before.get("no_shows", 0) + 1

    restored = _done(system.command(undo_office, f"visits/{visit}/undo"), "VisitRestored")

    assert (restored["undone"], restored["undone_event_id"]) == ("VisitorNoShow", no_show["event_id"])
    assert (restored["stage"], restored["room_id"]) == ("called", ROOM)
    snapshot = system.waiting_list(undo_office)
    assert [(v["ticket"], v["room_id"]) for v in snapshot["called"]] == [(ticket, ROOM)]
    assert snapshot["undo_seconds"] == 15
    eventually(lambda: ticket in _display_calls(system, undo_office), what="the call back on the display")
    assert _counters_when(system, undo_office, in_office=1, in_service=1) == before  # the no-show uncounted
    assert _refused(system.command(undo_office, f"visits/{visit}/undo")) == "nothing_to_undo"


def test_an_undone_completion_is_in_the_room_again_and_not_counted(system: System, undo_office: str) -> None:
    (visitor,) = _visitors(system, undo_office, 1)
    visit = visitor["visit_id"]
    called = _counters(system, undo_office).get("called", 0)  # an earlier visitor's call is counted
    _done(system.command(undo_office, f"visits/{visit}/call", {"room_id": ROOM}), "VisitorCalled")
    _done(system.command(undo_office, f"visits/{visit}/start"), "ServiceStarted")
    before = _counters_when(system, undo_office, called + 1, in_office=1, in_service=1)
    _done(system.command(undo_office, f"visits/{visit}/complete", {"outcome": "served"}), "ServiceCompleted")
    completed = _counters_when(system, undo_office, in_office=0)
    assert (completed["completed"], completed["outcome:served"]) == (
        before.get("completed", 0) + 1,
        before.get("outcome:served", 0) + 1,
    )

    _done(system.command(undo_office, f"visits/{visit}/undo"), "VisitRestored")

    assert [v["visit_id"] for v in system.waiting_list(undo_office)["in_service"]] == [visit]
    assert (
        _counters_when(system, undo_office, in_office=1, in_service=1) == before
    )  # the completion uncounted


def test_an_undo_after_the_offices_window_is_refused_undo_expired(system: System, undo_office: str) -> None:
    (visitor,) = _visitors(system, undo_office, 1)
    visit = visitor["visit_id"]
    _done(system.command(undo_office, f"visits/{visit}/cancel", {"cause": "visitor_left"}), "VisitCancelled")

    time.sleep(system.waiting_list(undo_office)["undo_seconds"] + 1)  # the test clock runs in real time

    assert _refused(system.command(undo_office, f"visits/{visit}/undo")) == "undo_expired"
    assert all(v["visit_id"] != visit for v in system.waiting_list(undo_office)["waiting"])


def test_a_recall_past_the_offices_calls_is_refused_and_the_host_marks_the_no_show(
    system: System, hold_office: str
) -> None:
    (visitor,) = _visitors(system, hold_office, 1)
    visit = visitor["visit_id"]
    _done(system.command(hold_office, f"visits/{visit}/call", {"room_id": ROOM}), "VisitorCalled")
    numbers = [
        _done(system.command(hold_office, f"visits/{visit}/recall"), "VisitorCalled")["call_number"]
        for _ in range(2)
    ]

    refused = system.command(hold_office, f"visits/{visit}/recall")

    assert numbers == [2, 3]
    assert _refused(refused) == "recall_limit"
    assert [v["visit_id"] for v in system.waiting_list(hold_office)["called"]] == [
        visit
    ]  # not gone by itself
    _done(system.command(hold_office, f"visits/{visit}/no-show"), "VisitorNoShow")
