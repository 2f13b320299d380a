"""Counsellors' arrivals through the real system: the counsellors' stream starts with the day's arrivals, so
a page opened late still shows them; and they are a read model like the others, rebuilt from Kafka when
Redis has lost them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from visitflow_devstack.testing import System, eventually

pytestmark = pytest.mark.integration
OFFICE = "loten"  # open on the test clock; counsellors from the defaults (Veileder 1-6)
STREAM = f"/api/offices/{OFFICE}/counsellor-alerts/stream"


@pytest.fixture
def office(system: System) -> Iterator[str]:
    system.clear(OFFICE)
    try:
        yield OFFICE
    finally:
        system.clear(OFFICE)


def _appointment(system: System, counsellor_id: str, reference: str) -> dict[str, Any]:
    body = {
        "kind": "appointment",
        "reason": "counsellor_appointment",
        "appointment": {
            "reference": reference,
            "starts_at": system.clock.now().isoformat(),
            "counsellor_id": counsellor_id,
        },
    }
    answer = system.check_in(OFFICE, body)
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _today(system: System) -> dict[str, Any]:
    """What a counsellor's page opened now is given first."""
    with system.live(system.notify, STREAM) as frames:
        first = next(frames)
    assert first["event"] == "snapshot"
    today: dict[str, Any] = orjson.loads(first["data"])["today"]
    return today


def _shows(system: System, ticket: str) -> dict[str, Any] | None:
    today = _today(system)
    return today if any(arrival["ticket"] == ticket for arrival in today["arrivals"]) else None


def test_a_counsellors_stream_starts_with_the_days_arrivals(system: System, office: str) -> None:
    visit = _appointment(system, "veileder-4", "TA-8101")

    today = eventually(lambda: _shows(system, visit["ticket"]), what="the arrival in the snapshot")

    (arrival,) = [a for a in today["arrivals"] if a["ticket"] == visit["ticket"]]
    assert arrival["counsellor_id"] == "veileder-4"
    assert arrival["stage"] == "waiting"
    assert {"counsellor_id": "veileder-4", "name": "Veileder 4"} in today["counsellors"]
    assert visit["visit_id"] not in orjson.dumps(today).decode()  # tickets and times, no visit ids


def test_arrivals_lost_from_redis_come_back_from_kafka(system: System, office: str) -> None:
    visit = _appointment(system, "veileder-1", "TA-8201")
    eventually(lambda: _shows(system, visit["ticket"]), what="the arrival in the snapshot")

    system.redis.delete(f"vf:counsellor:{OFFICE}:snapshot", f"vf:counsellor:{OFFICE}:history")
    assert _shows(system, visit["ticket"]) is None  # gone from Redis
    system.restart("notify-worker", kill=True)  # its table comes back from the changelog topic

    eventually(lambda: _shows(system, visit["ticket"]), 60, "the arrivals projected again")
