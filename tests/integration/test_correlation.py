"""One visit, one correlation id: following a visit from its check-in to its completion across the visits
topic finds every event about it carrying the visit's id, whichever service wrote it (check-in, the
queue deciding a host's commands or the visitor's own acts from their page) and whatever the command
named (a call of the next visitor names no visit)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

import httpx
import pytest
from visitflow_devstack.testing import System, eventually
from visitflow_events import Event, ServiceCompleted, decode, office_day_correlation

pytestmark = pytest.mark.integration
OFFICE = "grunerlokka"  # other tests clear it before they use it
EMERGENCY = {"kind": "emergency", "reason": "emergency_assistance"}  # queued whatever the time
ROOM = "samtalerom-1"


@pytest.fixture
def office(system: System) -> Iterator[str]:
    system.clear(OFFICE)
    try:
        yield OFFICE
    finally:
        system.clear(OFFICE)


def _events_of(system: System, visit_id: UUID) -> list[Event]:
    """The visit's events on the visits topic; records naming other visits are not decoded, so the
    deliberately malformed records other tests write there do not stop the read."""
    events = []
    for value in system.read_topic(system.topics.visits):
        if str(visit_id).encode() not in value:
            continue
        message = decode(value)
        if isinstance(message, Event) and getattr(message, "visit_id", None) == visit_id:
            events.append(message)
    return events


def _done(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    event: dict[str, Any] = answer.json()["event"]
    return event


def test_one_visit_from_check_in_to_completion_has_one_correlation_id(system: System, office: str) -> None:
    checked_in = system.check_in(office, EMERGENCY)
    assert checked_in.status_code == 201, checked_in.text
    visit_id = UUID(checked_in.json()["visit_id"])
    token = checked_in.json()["visit_link"]["url"].rsplit("/", 1)[1]
    page = f"{system.stack.url('notify')}/api/visit/{token}"

    eventually(lambda: system.waiting_list(office)["waiting"] or None, what="the visit is queued")
    assert httpx.post(f"{page}/hold", timeout=10).status_code in (200, 202)  # the visitor steps out ...
    eventually(lambda: any(v["held"] for v in system.waiting_list(office)["waiting"]) or None, what="on hold")
    assert httpx.post(f"{page}/return", timeout=10).status_code in (200, 202)  # ... and is back
    eventually(
        lambda: not any(v["held"] for v in system.waiting_list(office)["waiting"]) or None, what="back"
    )
    call = _done(system.command(office, "call-next", {"room_id": ROOM}))
    assert call["visit_id"] == str(visit_id)
    _done(system.command(office, f"visits/{visit_id}/recall"))
    _done(system.command(office, f"visits/{visit_id}/start"))
    _done(system.command(office, f"visits/{visit_id}/complete", {"outcome": "served"}))

    def completed() -> list[Event] | None:
        found = _events_of(system, visit_id)
        return found if any(isinstance(event, ServiceCompleted) for event in found) else None

    events = eventually(completed, what="the visit's events on the topic")
    kinds = [e.model_dump()["type"] for e in events]
    for kind in ("VisitorCheckedIn", "VisitorQueued", "VisitHeld", "VisitReturned", "VisitorCalled"):
        assert kind in kinds
    assert kinds.count("VisitorCalled") == 2
    assert kinds[-2:] == ["ServiceStarted", "ServiceCompleted"]
    assert {event.correlation_id for event in events} == {visit_id}
    assert {event.office_id for event in events} == {office}


def test_a_room_out_of_service_is_correlated_with_the_office_day(system: System, office: str) -> None:
    closed = _done(system.command(office, f"rooms/{ROOM}/close"))
    try:
        day = date.fromisoformat(closed["business_date"])
        assert closed["correlation_id"] == str(office_day_correlation(office, day))
    finally:
        _done(system.command(office, f"rooms/{ROOM}/open"))
