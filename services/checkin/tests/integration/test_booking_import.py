"""The booking import: bookings onto `visitflow.appointments.v1` by the booking role, upserted by booking
id; a batch naming an unknown office or counsellor is refused whole, naming the field and never the
value; a batch sent again publishes nothing new; an overlap is accepted and flagged; CSV the same."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from visitflow_devstack.testing import System
from visitflow_events import AppointmentBooked, AppointmentCancelled, AppointmentRescheduled, decode
from visitflow_offices import OSLO
from visitflow_platform.auth import Role

pytestmark = pytest.mark.integration
OFFICE = "halden"


def _reference() -> str:
    """A fresh booking id in the reference format: letters only, so never five digits in a row."""
    letters = "".join(chr(ord("A") + int(c, 16) % 26) for c in uuid.uuid4().hex[:6])
    return f"BK-{letters}"


def _booking(system: System, minutes_ahead: int = 60, **fields: str) -> dict[str, Any]:
    starts = system.clock.now() + timedelta(minutes=minutes_ahead)
    return {
        "booking_id": _reference(),
        "office_id": OFFICE,
        "counsellor_id": "veileder-3",
        "starts_at": starts.isoformat(),
        "duration_minutes": 30,
        "reason": "counsellor_appointment",
        **fields,
    }


def _client(system: System, offices: tuple[str, ...] = (OFFICE,)) -> httpx.Client:
    token = system.token(Role.BOOKING, offices)
    return httpx.Client(
        base_url=system.stack.url("checkin"), timeout=20, headers={"Authorization": f"Bearer {token}"}
    )


def _published(system: System, booking_id: str) -> list[Any]:
    return [
        message
        for value in system.read_topic(system.topics.appointments)
        if booking_id.encode() in value
        and getattr(message := decode(value), "booking_id", None) == booking_id
    ]


def test_a_batch_is_published_once_and_a_resend_publishes_nothing_new(system: System) -> None:
    first, second = _booking(system), _booking(system, minutes_ahead=120)
    with _client(system) as client:
        answer = client.post("/api/bookings", json={"bookings": [first, second]})
        again = client.post("/api/bookings", json={"bookings": [first, second]})

    assert answer.status_code == 200, answer.text
    assert [r["change"] for r in answer.json()["results"]] == ["booked", "booked"]
    assert [r["change"] for r in again.json()["results"]] == ["unchanged", "unchanged"]
    (event,) = _published(system, first["booking_id"])
    assert isinstance(event, AppointmentBooked)
    assert (event.office_id, event.counsellor_id, event.duration_minutes) == (OFFICE, "veileder-3", 30)
    records = [
        key
        for key, value in system.read_records(system.topics.appointments)
        if value and first["booking_id"].encode() in value
    ]
    assert records == [OFFICE.encode()]  # keyed by office


def test_a_moved_booking_is_rescheduled_and_a_cancelled_one_cancelled(system: System) -> None:
    booking = _booking(system)
    moved = {**booking, "starts_at": (system.clock.now() + timedelta(hours=3)).isoformat()}
    with _client(system) as client:
        client.post("/api/bookings", json={"bookings": [booking]}).raise_for_status()
        rescheduled = client.post("/api/bookings", json={"bookings": [moved]})
        cancelled = client.post("/api/bookings", json={"bookings": [{**moved, "status": "cancelled"}]})

    assert rescheduled.json()["results"][0]["change"] == "rescheduled"
    assert cancelled.json()["results"][0]["change"] == "cancelled"
    events = _published(system, booking["booking_id"])
    assert [type(e) for e in events] == [AppointmentBooked, AppointmentRescheduled, AppointmentCancelled]
    assert len({e.event_id for e in events}) == 3


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("office_id", "atlantis", "unknown_office"),
        ("counsellor_id", "veileder-99", "unknown_counsellor"),
    ],
)
def test_an_unknown_office_or_counsellor_refuses_the_whole_batch_naming_the_field(
    system: System, field: str, value: str, error: str
) -> None:
    good, bad = _booking(system), {**_booking(system), field: value}
    before = system.end_offsets(system.topics.appointments)
    with _client(system) as client:
        answer = client.post("/api/bookings", json={"bookings": [good, bad]})

    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == error
    assert f"bookings[1].{field}" in answer.json()["message"]
    assert value not in answer.text
    assert system.end_offsets(system.topics.appointments) == before  # not even the good one


@pytest.mark.parametrize("value", ["01017012345", "4791234567", "Ola Nordmann"])
def test_personal_data_in_a_booking_is_refused_unquoted(system: System, value: str) -> None:
    before = system.end_offsets(system.topics.appointments)
    with _client(system) as client:
        answer = client.post("/api/bookings", json={"bookings": [_booking(system, booking_id=value)]})
        row = client.post(
            "/api/bookings/csv",
            content=f"booking_id,office_id,counsellor_id,starts_at,duration_minutes\n{value},{OFFICE},"
            f"veileder-1,2026-11-23T15:00,30\n",
            headers={"Content-Type": "text/csv"},
        )

    assert (answer.status_code, row.status_code) == (422, 422)
    assert value not in answer.text + row.text
    assert system.end_offsets(system.topics.appointments) == before


def test_another_offices_booking_is_forbidden(system: System) -> None:
    with _client(system, offices=("loten",)) as client:
        answer = client.post("/api/bookings", json={"bookings": [_booking(system)]})
    assert answer.status_code == 403


def test_an_overlapping_booking_is_accepted_and_flagged(system: System) -> None:
    first = _booking(system, minutes_ahead=240, counsellor_id="veileder-4")
    overlapping = _booking(system, minutes_ahead=255, counsellor_id="veileder-4")
    other_counsellor = _booking(system, minutes_ahead=255, counsellor_id="veileder-5")
    with _client(system) as client:
        client.post("/api/bookings", json={"bookings": [first]}).raise_for_status()
        answer = client.post("/api/bookings", json={"bookings": [overlapping, other_counsellor]})

    assert answer.status_code == 200
    flagged, clear = answer.json()["results"]
    assert (flagged["change"], flagged["overlaps"]) == ("booked", [first["booking_id"]])
    assert clear["overlaps"] == []


def test_a_csv_file_imports_by_the_same_rules(system: System) -> None:
    booking = _booking(system, minutes_ahead=90)
    local = (system.clock.now() + timedelta(minutes=90)).astimezone(OSLO).strftime("%Y-%m-%dT%H:%M")
    csv_text = (
        "booking_id,office_id,counsellor_id,starts_at,duration_minutes,reason\n"
        f"{booking['booking_id']},{OFFICE},veileder-2,{local},45,job_seeking\n"
    )
    with _client(system) as client:
        answer = client.post("/api/bookings/csv", content=csv_text, headers={"Content-Type": "text/csv"})
        again = client.post("/api/bookings/csv", content=csv_text, headers={"Content-Type": "text/csv"})
        unknown = client.post(
            "/api/bookings/csv",
            content=csv_text.replace("veileder-2", "veileder-77"),
            headers={"Content-Type": "text/csv"},
        )

    assert answer.status_code == 200, answer.text
    assert [answer.json()["results"][0]["change"], again.json()["results"][0]["change"]] == [
        "booked",
        "unchanged",
    ]
    assert unknown.status_code == 422
    assert "counsellor_id" in unknown.json()["message"]
    assert "veileder-77" not in unknown.text
    (event,) = _published(system, booking["booking_id"])
    assert (event.duration_minutes, event.reason.value) == (45, "job_seeking")
    assert event.starts_at.astimezone(OSLO).strftime("%Y-%m-%dT%H:%M") == local  # the office's clock
