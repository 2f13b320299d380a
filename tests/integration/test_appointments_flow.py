"""Today's appointments through the real system: imported bookings reach the office's picture (the host's
"expected today"), a one-tap check-in by the booking's reference marks the arrival and alerts the
counsellor, a booking nobody came for is missed by the queue worker on its clock, a moved booking is
shown as it now stands; and the lists come back from Kafka when Redis is wiped."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from kafka import KafkaProducer
from prometheus_client.parser import text_string_to_metric_families
from visitflow_devstack.testing import System, eventually
from visitflow_events import AppointmentMissed, DeadLetter, decode
from visitflow_platform.auth import Role

pytestmark = pytest.mark.integration
OFFICE = "loten"  # open on the test clock; counsellors Veileder 1-6
GRACE = timedelta(minutes=15)  # the default policy's appointment_grace_minutes
MISSED_WITHIN_S = 90.0  # the worker checks every 30 s (VISITFLOW_ROLLOVER_CHECK_S), once it has started


def _reference() -> str:
    return "AF-" + "".join(chr(ord("A") + int(c, 16) % 26) for c in uuid.uuid4().hex[:5])


def _import(system: System, *bookings: dict[str, Any]) -> dict[str, Any]:
    token = system.token(Role.BOOKING, (OFFICE,))
    answer = httpx.post(
        f"{system.stack.url('checkin')}/api/bookings",
        json={"bookings": list(bookings)},
        headers={"Authorization": f"Bearer {token}"},
        timeout=20,
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _booking(
    system: System, starts_in: timedelta, counsellor: str = "veileder-6", **extra: Any
) -> dict[str, Any]:
    return {
        "booking_id": _reference(),
        "office_id": OFFICE,
        "counsellor_id": counsellor,
        "starts_at": (system.clock.now() + starts_in).isoformat(),
        "duration_minutes": 30,
        **extra,
    }


def _appointments(system: System) -> dict[str, list[dict[str, Any]]]:
    lists: dict[str, list[dict[str, Any]]] = system.waiting_list(OFFICE)["appointments"]
    return lists


def _in(system: System, part: str, booking_id: str) -> dict[str, Any] | None:
    return next((b for b in _appointments(system)[part] if b["booking_id"] == booking_id), None)


def test_import_then_expected_today_then_one_tap_check_in_alerts_the_counsellor(system: System) -> None:
    soon = _booking(system, timedelta(minutes=10))
    later = _booking(system, timedelta(hours=2), counsellor="veileder-5")
    _import(system, soon, later)

    shown = eventually(
        lambda: _in(system, "next_hour", soon["booking_id"]), what="the booking in the next hour"
    )
    assert shown["counsellor"] == "Veileder 6"
    assert eventually(lambda: _in(system, "later", later["booking_id"]), what="the later booking")

    # the host taps the booking: the check-in names what the list showed
    tap = {
        "kind": "appointment",
        "reason": "counsellor_appointment",
        "appointment": {
            "reference": shown["booking_id"],
            "starts_at": shown["starts_at"],
            "counsellor_id": shown["counsellor_id"],
        },
    }
    with system.live(system.notify, f"/api/offices/{OFFICE}/counsellor-alerts/stream") as frames:
        next(frames)  # the snapshot
        checked_in = system.check_in(OFFICE, tap)
        assert checked_in.status_code == 201, checked_in.text
        alert = next(f for f in frames if f["event"] == "appointment_arrived")
    assert orjson.loads(alert["data"])["counsellor_id"] == "veileder-6"

    arrived = eventually(lambda: _in(system, "arrived", soon["booking_id"]), what="the arrival")
    assert arrived["ticket"] == checked_in.json()["ticket"]
    assert arrived["stage"] == "waiting"
    assert _in(system, "next_hour", soon["booking_id"]) is None


def test_a_moved_booking_is_shown_at_its_new_time_and_a_cancelled_one_not_at_all(system: System) -> None:
    booking = _booking(system, timedelta(minutes=30))
    gone = _booking(system, timedelta(minutes=40))
    _import(system, booking, gone)
    eventually(lambda: _in(system, "next_hour", booking["booking_id"]), what="the booking")

    moved = {**booking, "starts_at": (system.clock.now() + timedelta(hours=3)).isoformat()}
    assert _import(system, moved, {**gone, "status": "cancelled"})["results"][0]["change"] == "rescheduled"

    shown = eventually(lambda: _in(system, "later", booking["booking_id"]), what="the booking moved")
    assert shown["starts_at"].startswith(moved["starts_at"][:16])
    assert _in(system, "next_hour", booking["booking_id"]) is None
    # the cancellation comes after the move, and may be applied in the worker's next batch
    eventually(lambda: _in(system, "next_hour", gone["booking_id"]) is None, what="the cancellation")


def test_a_booking_nobody_came_for_is_missed_after_the_grace_period(system: System) -> None:
    late = _booking(system, -(GRACE + timedelta(minutes=1)), counsellor="veileder-2")
    _import(system, late)

    missed = eventually(
        lambda: _in(system, "missed", late["booking_id"]), MISSED_WITHIN_S, "the booking missed"
    )
    assert missed["counsellor_id"] == "veileder-2"
    events = [decode(v) for v in system.read_topic(system.topics.visits) if late["booking_id"].encode() in v]
    assert [type(e) for e in events] == [AppointmentMissed]
    # counted: the missed-appointment rate of the office and the counsellor, for Prometheus
    eventually(lambda: _missed_rate(system, "veileder-2"), 30, "the counsellor's missed rate")
    assert _missed_rate(system, None)


def _missed_rate(system: System, counsellor: str | None) -> float | None:
    """The office's (or a counsellor's) missed-appointment ratio on `/metrics/offices`, if above 0."""
    token = system.token(Role.SCRAPER)
    text = httpx.get(
        f"{system.stack.url('metrics')}/metrics/offices", headers={"Authorization": f"Bearer {token}"}
    ).text
    name = (
        "visitflow_office_counsellor_missed_appointment_ratio"
        if counsellor
        else "visitflow_office_missed_appointment_ratio"
    )
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (
                sample.name == name
                and sample.labels.get("office") == OFFICE
                and (counsellor is None or sample.labels.get("counsellor") == counsellor)
            ):
                return sample.value or None
    return None


@pytest.mark.parametrize("worker", ["kept", "restarted"])
def test_the_lists_come_back_from_kafka_after_redis_is_wiped(system: System, worker: str) -> None:
    booking = _booking(system, timedelta(minutes=20), counsellor="veileder-3")
    _import(system, booking)
    eventually(lambda: _in(system, "next_hour", booking["booking_id"]), what="the booking")
    before = _appointments(system)

    system.redis.flushall()
    if worker == "restarted":  # its tables come back from their changelog topics
        system.restart("queue-worker", kill=True)

    def whole() -> dict[str, Any] | None:
        answer = system.queue.get(f"/api/offices/{OFFICE}/queue")
        return answer.json()["appointments"] if answer.status_code == 200 else None

    after = eventually(whole, 90, "the lists back")
    assert after == before


def test_a_malformed_booking_goes_to_the_dead_letter_topic_and_the_feed_goes_on(system: System) -> None:
    before = system.end_offsets(system.topics.dead_letter)
    bad = b'{"type": "AppointmentBooked", "office_id": "loten", "booking_id": "not a reference"}'
    producer = KafkaProducer(bootstrap_servers=system.stack.kafka_bootstrap, acks="all")
    producer.send(system.topics.appointments, key=OFFICE.encode(), value=bad).get(timeout=10)
    producer.close()

    eventually(lambda: system.end_offsets(system.topics.dead_letter) > before, what="the dead letter")
    (letter,) = [
        DeadLetter.model_validate_json(v)
        for v in system.read_topic(system.topics.dead_letter)
        if system.topics.appointments.encode() in v
    ]
    assert (letter.source_topic, letter.consumer) == (system.topics.appointments, "queue")
    booking = _booking(system, timedelta(minutes=50))
    _import(system, booking)  # the queue worker went on
    eventually(lambda: _in(system, "next_hour", booking["booking_id"]), what="the next booking")
