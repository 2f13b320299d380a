"""One Idempotency-Key, one check-in: taps that race with one key never publish two events, a tap
repeated while the first is still in flight waits for its answer (or is told to retry), and Redis holds
only a keyed digest of the key, never the key itself."""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import orjson
import pytest
from visitflow_checkin.domain import CheckInRequest
from visitflow_devstack.testing import System

pytestmark = pytest.mark.integration
OFFICE = "halden"  # drop-in open on the test clock
DROP_IN = {"kind": "drop_in", "reason": "case_status"}
EMERGENCY = {"kind": "emergency", "reason": "emergency_assistance"}


def _checked_in(system: System, visit_id: str) -> list[bytes]:
    """Every VisitorCheckedIn of the visit on the visits topic, as stored."""
    return [
        value
        for value in system.read_topic(system.topics.visits)
        if (event := orjson.loads(value))["type"] == "VisitorCheckedIn" and event["visit_id"] == visit_id
    ]


def _at_once(system: System, key: str, *bodies: dict[str, Any]) -> list[httpx.Response]:
    """The bodies posted with one key from as many threads, released together."""
    start = threading.Barrier(len(bodies))

    def tap(body: dict[str, Any]) -> httpx.Response:
        start.wait()
        return system.check_in(OFFICE, body, key)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(tap, bodies))


@pytest.mark.parametrize("attempt", range(3))
def test_two_taps_at_once_with_one_key_and_different_bodies_publish_one_event(
    system: System, attempt: int
) -> None:
    answers = _at_once(system, f"race-{uuid.uuid4().hex}", DROP_IN, EMERGENCY)
    assert sorted(a.status_code for a in answers) == [201, 422], [a.text for a in answers]
    (refused,) = [a for a in answers if a.status_code == 422]
    assert refused.json()["error"] == "idempotency_key_reused"
    (queued,) = [a for a in answers if a.status_code == 201]
    assert len(_checked_in(system, queued.json()["visit_id"])) == 1


def test_two_taps_at_once_with_one_key_and_the_same_body_get_one_answer_and_one_event(
    system: System,
) -> None:
    first, second = _at_once(system, f"double-{uuid.uuid4().hex}", DROP_IN, DROP_IN)
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    assert first.json() == second.json()
    assert len(_checked_in(system, first.json()["visit_id"])) == 1


def test_a_tap_again_while_the_first_is_in_flight_waits_then_is_told_to_retry(system: System) -> None:
    key = f"in-flight-{uuid.uuid4().hex}"
    system.stack.children["queue-worker"].stop()  # the first now waits for its ticket, then answers 202
    try:
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(system.check_in, OFFICE, EMERGENCY, key)
            time.sleep(1)
            other = system.check_in(OFFICE, DROP_IN, key)
            assert other.status_code == 422, other.text
            assert other.json()["error"] == "idempotency_key_reused"
            waited = time.monotonic()
            again = system.check_in(OFFICE, EMERGENCY, key)
            waited = time.monotonic() - waited
            assert again.status_code == 409, again.text
            assert again.json()["error"] == "in_progress"
            assert int(again.headers["Retry-After"]) >= 1
            assert waited >= 2  # it waited for the first's answer before giving up
            assert first.result().status_code == 202, first.result().text
        later = system.check_in(OFFICE, EMERGENCY, key)
        assert later.status_code == 202
        assert later.json() == first.result().json()  # the first's answer, kept
    finally:
        system.restart_stopped("queue-worker")
    assert len(_checked_in(system, later.json()["visit_id"])) == 1


def test_redis_holds_no_raw_idempotency_key(system: System) -> None:
    marker = f"marker-{uuid.uuid4().hex[:12]}"
    key = f"tablet-3-{marker}"
    assert system.check_in(OFFICE, DROP_IN, key).status_code == 201
    assert system.check_in(OFFICE, DROP_IN, key).status_code == 201
    assert system.check_in(OFFICE, EMERGENCY, key).status_code == 422
    assert not [k for k in system.redis.scan_iter(count=1000) if marker.encode() in k]


def test_the_record_of_an_sms_check_in_holds_no_plain_hash_a_phone_number_could_be_tested_against(
    system: System,
) -> None:
    body = {**DROP_IN, "sms": {"phone": "+47 912 34 567"}}
    answer = system.check_in(OFFICE, body, f"sms-{uuid.uuid4().hex}")
    assert answer.status_code == 201, answer.text
    plain = hashlib.sha256(orjson.dumps([CheckInRequest(**body).model_dump(mode="json"), None])).hexdigest()
    record = system.redis.get(f"vf:idem:checkin:{answer.json()['visit_id']}")
    assert record is not None
    assert orjson.loads(record)["fingerprint"] != plain
    assert plain.encode() not in record
