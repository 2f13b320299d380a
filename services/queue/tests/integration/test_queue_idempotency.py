"""An Idempotency-Key names one host command: the same command again gets the first answer, another
command under the same key is refused with 422 and changes nothing, even after Redis has forgotten the
first answer. Redis never holds the key itself."""

from __future__ import annotations

import uuid

import pytest
from visitflow_devstack.testing import System

pytestmark = pytest.mark.integration
OFFICE = "kristiansand"


def _waiting(system: System) -> set[str]:
    return {visit["visit_id"] for visit in system.waiting_list(OFFICE)["waiting"]}


def _two_visitors(system: System) -> tuple[str, str]:
    first, second = (
        system.check_in(OFFICE, {"kind": "drop_in", "reason": "case_status"}).json()["visit_id"]
        for _ in range(2)
    )
    return first, second


def test_a_key_reused_for_another_command_is_refused_and_the_first_answer_stays(system: System) -> None:
    first, second = _two_visitors(system)
    key = f"reused-{uuid.uuid4().hex}"
    cancelled = system.command(OFFICE, f"visits/{first}/cancel", {"cause": "visitor_left"}, key=key)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["event"]["visit_id"] == first

    reused = system.command(OFFICE, f"visits/{second}/cancel", {"cause": "visitor_left"}, key=key)
    assert reused.status_code == 422, reused.text
    assert reused.json()["error"] == "idempotency_key_reused"
    other_cause = system.command(OFFICE, f"visits/{first}/cancel", {"cause": "host_cancelled"}, key=key)
    assert other_cause.status_code == 422, other_cause.text  # the body is part of the command too
    assert second in _waiting(system)

    again = system.command(OFFICE, f"visits/{first}/cancel", {"cause": "visitor_left"}, key=key)
    assert again.status_code == 200, again.text
    assert again.json()["event"] == cancelled.json()["event"]
    assert not [k for k in system.redis.scan_iter(count=1000) if key.encode() in k]


def test_a_reused_key_is_refused_after_redis_forgot_the_first_answer(system: System) -> None:
    first, second = _two_visitors(system)
    key = f"forgotten-{uuid.uuid4().hex}"
    called = system.command(OFFICE, f"visits/{first}/call", {"room_id": "samtalerom-1"}, key=key)
    assert called.status_code == 200, called.text
    system.redis.delete(f"vf:reply:{called.json()['command_id']}")  # as after a wipe, or a day later

    reused = system.command(OFFICE, f"visits/{second}/call", {"room_id": "samtalerom-2"}, key=key)
    assert reused.status_code == 422, reused.text
    assert reused.json()["error"] == "idempotency_key_reused"
    assert second in _waiting(system)
    again = system.command(OFFICE, f"visits/{first}/call", {"room_id": "samtalerom-1"}, key=key)
    assert again.status_code == 200, again.text
    assert again.json()["event"] == called.json()["event"]
    system.command(OFFICE, f"visits/{first}/complete", {"outcome": "served"})  # the room free again
