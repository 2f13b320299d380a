"""A check-in resent after Redis lost its idempotency record is published again byte for byte: the event
is a function of the office, the Idempotency-Key and the request alone, and with a tablet's UUIDv7 key
its time is the time of the tap (docs/decisions/check-in-time-is-the-tap.md)."""

from __future__ import annotations

from datetime import datetime, timedelta

import orjson
import pytest
from visitflow_devstack.testing import System
from visitflow_platform.ids import uuid7

pytestmark = pytest.mark.integration
OFFICE = "arendal"  # drop-in open on the test clock


def _checked_in(system: System, visit_id: str) -> list[tuple[bytes | None, bytes | None]]:
    """The visit's VisitorCheckedIn records (key and value) on the visits topic, read from the start by
    a real consumer."""
    return [
        (key, value)
        for key, value in system.read_records(system.topics.visits)
        if value
        and (event := orjson.loads(value)).get("visit_id") == visit_id  # not every event is a visit's
        and event["type"] == "VisitorCheckedIn"
    ]


def test_a_resend_after_redis_forgot_the_check_in_is_byte_identical(system: System) -> None:
    key = str(uuid7())
    starts = (system.clock.now() + timedelta(minutes=5)).isoformat()
    body = {
        "kind": "appointment",
        "reason": "counsellor_appointment",
        "appointment": {"reference": "AR-2207", "starts_at": starts, "counsellor_id": "veileder-3"},
        "needs": {"interpreter": True},
    }
    first = system.check_in(OFFICE, body, key)
    assert first.status_code == 201, first.text
    forgotten = list(system.redis.scan_iter("vf:idem:*", count=1000))
    assert forgotten
    system.redis.delete(*forgotten)

    again = system.check_in(OFFICE, body, key)
    assert again.status_code == 201, again.text
    assert again.json()["visit_id"] == first.json()["visit_id"]
    records = _checked_in(system, first.json()["visit_id"])
    assert len(records) == 2
    assert records[0] == records[1]
    # the tap's time on the system's clock: the key was made a moment ago
    event = orjson.loads(records[0][1] or b"")
    assert abs(datetime.fromisoformat(event["occurred_at"]) - system.clock.now()) < timedelta(seconds=30)
