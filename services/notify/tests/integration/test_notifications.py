"""Notifications through the real system: SMS with the link to the visitor's own page when queued, "nearly
your turn" once at the right position, a failing
gateway retried and recorded without holding up others, counsellor alerts, and no phone number leaks."""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar
from uuid import uuid4

import orjson
import pytest
import redis.asyncio as aioredis
from visitflow_devstack.testing import FakeSmsGateway, System, eventually
from visitflow_events import (
    Channel,
    NotificationFailed,
    NotificationRequested,
    NotificationSent,
    UndecodableMessage,
    decode,
)
from visitflow_notify.adapters.sender import Sender
from visitflow_platform.contacts import ContactStore

T = TypeVar("T")
pytestmark = pytest.mark.integration
OFFICE = "frogner"  # drop-in open on the test clock; four conversation rooms


def _drop_in(system: System, phone: str | None = None) -> dict[str, Any]:
    body: dict[str, object] = {"kind": "drop_in", "reason": "case_status"}
    if phone:
        body["sms"] = {"phone": phone}
    answer = system.check_in(OFFICE, body)
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _at_least(count: int, found: list[T]) -> list[T] | None:
    return found if len(found) >= count else None


def _outcomes(
    system: System, visit_id: str, channel: Channel = Channel.SMS
) -> list[NotificationSent | NotificationFailed]:
    found = []
    for value in system.read_topic(system.topics.notifications):
        try:
            event = decode(value)
        except UndecodableMessage:
            continue
        if isinstance(event, NotificationSent | NotificationFailed) and str(event.visit_id) == visit_id:
            found += [event] if event.channel is channel else []
    return found


def test_nearly_your_turn_comes_once_at_the_configured_position_then_your_turn(
    system: System, sms_gateway: FakeSmsGateway
) -> None:
    system.clear(OFFICE)
    phone = "+47 4800 1005"
    first, *_, opted_in = [_drop_in(system) for _ in range(4)] + [_drop_in(system, phone)]
    assert opted_in["position"] == 5
    page = eventually(lambda: sms_gateway.to(phone), what="the SMS with the link to their own page")
    assert len(page) == 1
    assert opted_in["ticket"] in page[0]["text"]
    assert opted_in["visit_link"]["url"] in page[0]["text"]

    called = system.command(OFFICE, "call-next", {"room_id": "samtalerom-1"}).json()["event"]
    assert called["visit_id"] == first["visit_id"]  # the opted-in visitor is 4th now: nothing yet
    system.command(OFFICE, f"visits/{first['visit_id']}/complete", {"outcome": "served"})
    system.command(OFFICE, "call-next", {"room_id": "samtalerom-1"})  # now 3rd: nearly your turn
    nearly = eventually(lambda: _at_least(2, sms_gateway.to(phone)), what="the nearly-your-turn SMS")
    assert len(nearly) == 2
    assert "nr. 3" in nearly[1]["text"]

    system.command(OFFICE, "call-next", {"room_id": "samtalerom-2"})  # 2nd: no second message
    system.command(OFFICE, "call-next", {"room_id": "samtalerom-3"})  # 1st: still only one
    system.command(OFFICE, f"visits/{opted_in['visit_id']}/call", {"room_id": "samtalerom-4"})
    messages = eventually(lambda: _at_least(3, sms_gateway.to(phone)), what="the your-turn SMS")
    assert len(messages) == 3
    assert "Samtalerom 4" in messages[2]["text"]
    assert opted_in["ticket"] in messages[2]["text"]
    sent = eventually(lambda: _at_least(3, _outcomes(system, opted_in["visit_id"])), what="all recorded")
    assert sorted(event.template for event in sent) == ["nearly_your_turn", "your_page", "your_turn"]
    assert all(isinstance(event, NotificationSent) for event in sent)


def test_a_failing_gateway_is_retried_recorded_as_failed_and_holds_up_no_one(
    system: System, sms_gateway: FakeSmsGateway
) -> None:
    system.clear(OFFICE)
    refused, fine = "+47 4800 0000", "+47 4800 2007"
    unlucky, lucky = _drop_in(system, refused), _drop_in(system, fine)
    system.command(OFFICE, f"visits/{unlucky['visit_id']}/call", {"room_id": "samtalerom-1"})
    system.command(OFFICE, f"visits/{lucky['visit_id']}/call", {"room_id": "samtalerom-2"})

    failed = eventually(lambda: _at_least(2, _outcomes(system, unlucky["visit_id"])), 30, "both failures")
    assert sorted(event.template for event in failed) == ["your_page", "your_turn"]
    for failure in failed:
        assert isinstance(failure, NotificationFailed)
        assert failure.attempts == 3
        assert "503" in failure.error
    attempts = sms_gateway.to(refused)
    assert len(attempts) == 6  # three for the link, three for the call
    your_turn = [message for message in sms_gateway.to(fine) if "Din tur nå" in message["text"]]
    assert len(your_turn) == 1
    assert your_turn[0]["at"] < attempts[-1]["at"]  # sent while the other was still being retried


def test_every_call_shown_on_the_display_is_recorded_once(system: System) -> None:
    system.clear(OFFICE)
    visit = _drop_in(system)
    path = f"/api/offices/{OFFICE}/display/stream"
    with system.live(system.notify, path) as frames:
        assert next(frames)["event"] == "snapshot"
        called = system.command(OFFICE, f"visits/{visit['visit_id']}/call", {"room_id": "samtalerom-2"})
        assert called.status_code == 200, called.text
        assert next(frame for frame in frames if frame["event"] == "VisitorCalled")
        recall = system.command(OFFICE, f"visits/{visit['visit_id']}/recall", {})
        assert recall.status_code == 200, recall.text
    shown = eventually(
        lambda: _at_least(2, _outcomes(system, visit["visit_id"], Channel.DISPLAY)), what="both calls"
    )
    assert len(shown) == 2
    assert all(isinstance(event, NotificationSent) and event.attempts == 1 for event in shown)
    assert {str(event.causation_id) for event in shown} == {
        called.json()["event"]["event_id"],
        recall.json()["event"]["event_id"],
    }


def test_a_counsellor_hears_at_once_when_their_appointment_arrives(system: System) -> None:
    starts = (system.clock.now()).isoformat()
    path = f"/api/offices/{OFFICE}/counsellor-alerts/stream"
    with system.live(system.notify, path) as frames:
        answer = system.check_in(
            OFFICE,
            {
                "kind": "appointment",
                "reason": "counsellor_appointment",
                "appointment": {"reference": "TA-4411", "starts_at": starts, "counsellor_id": "veileder-6"},
            },
        )
        assert answer.status_code == 201, answer.text
        alert = next(frame for frame in frames if frame["event"] == "appointment_arrived")
    assert alert["event"] == "appointment_arrived"
    data = orjson.loads(alert["data"])
    assert data["counsellor_id"] == "veileder-6"
    assert data["ticket"] == answer.json()["ticket"]


def test_no_phone_number_reaches_any_topic_or_log_line(system: System) -> None:
    digits = ["48001005", "48000000", "48002007"]  # the numbers the tests above opted in with
    for topic in system.topics.all():
        for value in system.read_topic(topic):
            assert not any(number.encode() in value.replace(b" ", b"") for number in digits), topic
    for log in (system.stack.home / "logs").glob("*.log"):
        text = log.read_text(errors="replace").replace(" ", "")
        assert not any(number in text for number in digits), log.name


class SlowSms:
    """An SMS provider that takes its time, so two deliveries overlap."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, phone: str, text: str) -> None:
        await asyncio.sleep(0.2)
        self.sent.append((phone, text))

    async def close(self) -> None:
        pass


def test_two_copies_of_one_request_delivered_at_once_send_one_sms(system: System) -> None:
    async def deliver_twice() -> tuple[list[object], list[tuple[str, str]]]:
        redis = aioredis.from_url(system.stack.redis_url)
        try:
            now = system.clock.now()
            visit_id = uuid4()
            await ContactStore(redis).keep(visit_id, "+47 4811 0009", now.date(), now)
            request = NotificationRequested(
                event_id=uuid4(),
                occurred_at=now,
                office_id="hamar",
                correlation_id=uuid4(),
                causation_id=uuid4(),
                producer="notify",
                visit_id=visit_id,
                channel=Channel.SMS,
                template="nearly_your_turn",
                position=3,
            )
            sms = SlowSms()
            sender = Sender(system.settings.offices, system.clock, redis, sms, attempts=1, backoff_s=0)
            outcomes = await asyncio.gather(sender.deliver(request), sender.deliver(request))
            return list(outcomes), sms.sent
        finally:
            await redis.aclose()

    outcomes, sent = asyncio.run(deliver_twice())

    assert len(sent) == 1
    assert sum(isinstance(outcome, NotificationSent) for outcome in outcomes) == 1
    assert outcomes.count(None) == 1
