"""Who may read a check-in, and how fast one may check in: a host reads only their own office's visits,
and the rate limit follows the token, not a header the client chooses."""

from __future__ import annotations

import uuid

import httpx
import pytest
from visitflow_devstack.testing import System
from visitflow_platform.access import Role
from visitflow_platform.auth import issue_token

pytestmark = pytest.mark.integration
STEER = {"kind": "drop_in", "reason": "case_status", "redirect_to": "self_service_online"}
DEVICES = ["vert-1", "vert-2", "vert-3", "kiosk-1"]  # every device the office has


def _host(system: System, subject: str, office: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(system.settings, Role.HOST, subject, (office,))}"}


def test_a_host_cannot_read_another_offices_check_in(system: System) -> None:
    visit_id = system.check_in("hamar", {"kind": "drop_in", "reason": "other"}).json()["visit_id"]
    own = system.checkin.get(f"/api/offices/hamar/check-ins/{visit_id}", headers=_host(system, "h", "hamar"))
    assert own.status_code == 200, own.text
    assert own.json()["office_id"] == "hamar"

    elsewhere = _host(system, "host-in-elverum", "elverum")
    other = system.checkin.get(f"/api/offices/elverum/check-ins/{visit_id}", headers=elsewhere)
    unknown = system.checkin.get(f"/api/offices/elverum/check-ins/{uuid.uuid4()}", headers=elsewhere)
    assert other.status_code == unknown.status_code == 404
    assert other.json() == unknown.json()


def test_rotating_device_ids_does_not_get_past_the_rate_limit(system: System) -> None:
    office = "sarpsborg"
    flooding = _host(system, "runaway-script", office)
    answers: list[httpx.Response] = []
    for n in range(450):  # at most two one-minute windows of 200 (the test stack's limit)
        headers = {**flooding, "X-Device-Id": DEVICES[n % len(DEVICES)]}
        answers.append(system.checkin.post(f"/api/offices/{office}/check-ins", json=STEER, headers=headers))
        if answers[-1].status_code == 429:
            break
    limited = answers[-1]
    assert limited.status_code == 429
    assert [a.status_code for a in answers].count(201) >= 200 - 1
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["error"] == "too_many_requests"

    calm = _host(system, "calm-host", office)
    other = system.checkin.post(f"/api/offices/{office}/check-ins", json=STEER, headers=calm)
    assert other.status_code == 201  # one caller's flood does not stop the others
    elsewhere = system.checkin.post(
        "/api/offices/halden/check-ins", json=STEER, headers=_host(system, "runaway-script", "halden")
    )
    assert elsewhere.status_code == 201  # nor the same caller in another office
    assert not [k for k in system.redis.scan_iter("vf:rate:*") if b"runaway-script" in k]


def test_a_check_in_past_the_rate_limit_claims_nothing_and_one_refused_for_itself_is_counted_too(
    system: System,
) -> None:
    office = "fredrikstad"
    flooding = _host(system, "runaway-tablet", office)
    for _ in range(450):
        if (
            system.checkin.post(f"/api/offices/{office}/check-ins", json=STEER, headers=flooding).status_code
            == 429
        ):
            break
    key = {"Idempotency-Key": str(uuid.uuid4())}
    limited = system.checkin.post(f"/api/offices/{office}/check-ins", json=STEER, headers=flooding | key)
    assert limited.status_code == 429
    # a refused request holds no record, so the same key from another caller is decided at once, not
    # left waiting on a claim nobody will answer (409)
    calm = system.checkin.post(
        f"/api/offices/{office}/check-ins", json=STEER, headers=_host(system, "calm-tablet", office) | key
    )
    assert calm.status_code == 201, calm.text
    malformed = system.checkin.post(
        f"/api/offices/{office}/check-ins", json=STEER, headers=flooding | {"Idempotency-Key": "no"}
    )
    assert malformed.status_code == 429  # counted and refused as any request, before its own 400
