"""What a check-in names comes from closed sets the office's configuration knows (devices, counsellors,
lines) or has one strict format (the appointment reference): an identity number, a phone number or a
name typed into one of those fields is refused with 422, never quoted back and never published."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from visitflow_devstack.testing import System

pytestmark = pytest.mark.integration
OFFICE = "halden"  # drop-in open on the test clock
PERSONAL = {"identity number": "01017012345", "phone number": "4791234567", "name": "Ola.Nordmann"}


def _appointment(system: System, **fields: Any) -> dict[str, Any]:
    starts = (system.clock.now() + timedelta(minutes=10)).isoformat()
    appointment = {"reference": "TA-4K7Q", "starts_at": starts, "counsellor_id": "veileder-2", **fields}
    return {"kind": "appointment", "reason": "counsellor_appointment", "appointment": appointment}


def _post(system: System, body: dict[str, Any], device: str | None = None) -> httpx.Response:
    headers = {"X-Device-Id": device} if device is not None else {}
    return system.checkin.post(f"/api/offices/{OFFICE}/check-ins", json=body, headers=headers)


def _check_in_naming(system: System, field: str, value: str) -> httpx.Response:
    if field == "X-Device-Id":
        return _post(system, {"kind": "drop_in", "reason": "case_status"}, device=value)
    if field == "line_id":
        return _post(system, {"kind": "drop_in", "reason": "case_status", "line_id": value})
    return _post(system, _appointment(system, **{field: value}))


@pytest.mark.parametrize("value", list(PERSONAL.values()), ids=list(PERSONAL))
@pytest.mark.parametrize("field", ["X-Device-Id", "reference", "counsellor_id", "line_id"])
def test_personal_data_in_an_id_field_is_refused_unquoted_and_never_published(
    system: System, field: str, value: str
) -> None:
    before = system.end_offsets(system.topics.visits)
    answer = _check_in_naming(system, field, value)
    assert answer.status_code == 422, answer.text
    assert value not in answer.text
    assert system.end_offsets(system.topics.visits) == before


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("X-Device-Id", "kiosk-9", "unknown_device"),
        ("counsellor_id", "veileder-9", "unknown_counsellor"),
        ("line_id", "vip", "unknown_line"),
        ("reference", "TA-12345", "invalid_request"),  # five digits in a row
        ("reference", "T-4411", "invalid_request"),
    ],
)
def test_an_id_the_office_does_not_know_gets_a_clear_422(
    system: System, field: str, value: str, error: str
) -> None:
    answer = _check_in_naming(system, field, value)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == error
    assert value not in answer.json()["message"]


def test_configured_ids_and_a_well_formed_reference_reach_the_event(system: System) -> None:
    answer = _post(system, _appointment(system, reference="NAV-2025X"), device="vert-2")
    assert answer.status_code == 201, answer.text
    visit_id = answer.json()["visit_id"]
    events = [orjson.loads(value) for value in system.read_topic(system.topics.visits)]
    (checked_in,) = [e for e in events if e["type"] == "VisitorCheckedIn" and e["visit_id"] == visit_id]
    assert checked_in["device_id"] == "vert-2"
    assert checked_in["appointment"]["counsellor_id"] == "veileder-2"
    assert checked_in["appointment"]["reference"] == "NAV-2025X"


def test_the_policy_offers_the_offices_counsellors_and_the_reference_format(system: System) -> None:
    hints = system.checkin.get(f"/api/offices/{OFFICE}/policy").json()
    assert hints["counsellors"][:2] == [
        {"counsellor_id": "veileder-1", "name": "Veileder 1"},
        {"counsellor_id": "veileder-2", "name": "Veileder 2"},
    ]
    assert len(hints["counsellors"]) == 6
    schema = system.checkin.get("/openapi.json").json()["components"]["schemas"]["AppointmentIn"]
    reference = schema["properties"]["reference"]
    assert hints["reference_pattern"] == reference["pattern"]
    assert "four digits in a row" in reference["description"]


@pytest.mark.parametrize(
    "starts_at",
    ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00", "in two days"],
    ids=["year-9999", "year-1", "two-days-away"],
)
def test_an_appointment_far_from_now_is_a_clear_422(system: System, starts_at: str) -> None:
    if starts_at == "in two days":
        starts_at = (system.clock.now() + timedelta(days=2)).isoformat()
    before = system.end_offsets(system.topics.visits)
    answer = _post(system, _appointment(system, starts_at=starts_at))
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "appointment_out_of_range"
    assert system.end_offsets(system.topics.visits) == before
