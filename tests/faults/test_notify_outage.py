"""The notify worker is down for a minute while visitors who opted in to SMS are called.

Nothing is sent while it is down; when it is back, every message that fell due is sent late, exactly
once, and recorded as NotificationSent on the notifications topic. Nothing is lost."""

from __future__ import annotations

import time
from typing import Any

import pytest
from visitflow_devstack.testing import FakeSmsGateway, System, eventually
from visitflow_events import Channel, NotificationFailed, NotificationSent, UndecodableMessage, decode

pytestmark = [pytest.mark.integration, pytest.mark.faults]
OFFICE = "grunerlokka"  # drop-in open on the test clock; six conversation rooms
WORKER = "notify-worker"
FIRST, SECOND = "+47 4811 0001", "+47 4811 0002"


def _drop_in(system: System, phone: str | None = None) -> dict[str, Any]:
    body: dict[str, object] = {"kind": "drop_in", "reason": "case_status"}
    if phone:
        body["sms"] = {"phone": phone}
    answer = system.check_in(OFFICE, body)
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _call_next(system: System, room: str) -> dict[str, Any]:
    answer = system.command(OFFICE, "call-next", {"room_id": room})
    assert answer.status_code == 200, answer.text
    event: dict[str, Any] = answer.json()["event"]
    return event


def _outcomes(system: System, visit_ids: set[str]) -> list[NotificationSent | NotificationFailed]:
    found = []
    for value in system.read_topic(system.topics.notifications):
        try:
            event = decode(value)
        except UndecodableMessage:
            continue
        if (
            isinstance(event, NotificationSent | NotificationFailed)
            and str(event.visit_id) in visit_ids
            and event.channel is Channel.SMS
        ):
            found.append(event)
    return found


def test_notifications_due_while_the_worker_is_down_are_sent_late_once_and_not_lost(
    system: System, sms_gateway: FakeSmsGateway
) -> None:
    system.clear(OFFICE)
    system.stack.stop_service(WORKER)
    try:
        # Three visitors without SMS ahead of two who opted in (4th and 5th: not "nearly" at check-in).
        ahead = [_drop_in(system) for _ in range(3)]
        first, second = _drop_in(system, FIRST), _drop_in(system, SECOND)
        assert (first["position"], second["position"]) == (4, 5)

        assert _call_next(system, "samtalerom-1")["visit_id"] == ahead[0]["visit_id"]  # first: 3rd
        assert _call_next(system, "samtalerom-2")["visit_id"] == ahead[1]["visit_id"]  # second: 3rd
        assert _call_next(system, "samtalerom-3")["visit_id"] == ahead[2]["visit_id"]
        assert _call_next(system, "samtalerom-4")["visit_id"] == first["visit_id"]  # first: your turn
        done = system.command(OFFICE, f"visits/{ahead[0]['visit_id']}/complete", {"outcome": "served"})
        assert done.status_code == 200, done.text
        assert _call_next(system, "samtalerom-1")["visit_id"] == second["visit_id"]  # second: your turn
        due_since = time.monotonic()

        time.sleep(60)
        assert sms_gateway.to(FIRST) == [], "sent while the worker was down"
        assert sms_gateway.to(SECOND) == [], "sent while the worker was down"
        outage_s = time.monotonic() - due_since
    finally:
        back = time.monotonic()
        if WORKER not in system.stack.children:
            system.restart_stopped(WORKER)

    def both_sent() -> bool:
        return len(sms_gateway.to(FIRST)) >= 3 and len(sms_gateway.to(SECOND)) >= 3

    eventually(both_sent, 60, "the six due messages after the worker came back")
    late_s = max(message["at"] for message in sms_gateway.to(FIRST) + sms_gateway.to(SECOND)) - back
    time.sleep(5)  # anything sent twice would show by now
    for phone, visit, room in ((FIRST, first, "Samtalerom 4"), (SECOND, second, "Samtalerom 1")):
        messages = sms_gateway.to(phone)
        assert len(messages) == 3, (phone, [m["text"] for m in messages])
        texts = sorted(message["text"] for message in messages)  # sent concurrently: any order
        assert ["Din tur nå" in text for text in texts] == [True, False, False], texts
        assert visit["ticket"] in texts[0]
        assert room in texts[0]
        assert visit["visit_link"]["url"] in texts[1]  # "Kølapp ...": the link to their own page
        assert "Snart din tur" in texts[2]
        assert "nr. 3" in texts[2]
        assert all(message["at"] >= back for message in messages)  # after the restart, not before

    visits = {first["visit_id"], second["visit_id"]}

    def recorded_all() -> list[NotificationSent | NotificationFailed] | None:
        found = _outcomes(system, visits)
        return found if len({event.event_id for event in found}) >= 6 else None

    outcomes = eventually(recorded_all, 30, "NotificationSent for the six messages")
    assert all(isinstance(event, NotificationSent) for event in outcomes)
    recorded = sorted((str(event.visit_id), event.template) for event in outcomes)
    assert recorded == sorted(
        (visit, template) for visit in visits for template in ("nearly_your_turn", "your_page", "your_turn")
    )
    print(f"down {outage_s:.0f} s with 6 messages due; all 6 sent {late_s:.1f} s after the restart began")
