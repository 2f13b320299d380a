"""Appointments at the edge of the real system (its clock: Monday 23 November 2026 from 12:30 in Oslo,
offices open 08:00-15:30): an appointment's time without an offset is read on the office's clock, one
with an offset is the instant it names, and one outside the opening hours is refused with 409 and
nothing published."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from visitflow_devstack.testing import System
from visitflow_offices import OSLO

pytestmark = pytest.mark.integration
OFFICE = "halden"  # open on the test clock


def _appointment(starts_at: str) -> dict[str, Any]:
    reference = f"TA-{uuid.uuid4().hex[:4].upper()}"
    return {
        "kind": "appointment",
        "reason": "counsellor_appointment",
        "appointment": {"reference": reference, "starts_at": starts_at},
    }


def _published_start(system: System, visit_id: str) -> str:
    """The appointment's `starts_at` in the visit's VisitorCheckedIn event."""
    events = [orjson.loads(value) for value in system.read_topic(system.topics.visits)]
    (checked_in,) = [e for e in events if e["type"] == "VisitorCheckedIn" and e["visit_id"] == visit_id]
    return str(checked_in["appointment"]["starts_at"])


def _soon(system: System) -> datetime:
    """Five minutes from now on the office's clock, to the minute."""
    return (system.clock.now().astimezone(OSLO) + timedelta(minutes=5)).replace(second=0, microsecond=0)


@pytest.mark.parametrize("form", ["%H:%M", "%Y-%m-%dT%H:%M"], ids=["time-of-day", "date-and-time"])
def test_a_time_without_an_offset_is_the_offices_wall_clock_time(system: System, form: str) -> None:
    soon = _soon(system)

    answer = system.check_in(OFFICE, _appointment(f"{soon:{form}}"))

    assert answer.status_code == 201, answer.text
    assert answer.json()["line_id"] == "appointment"
    published = _published_start(system, answer.json()["visit_id"])
    assert datetime.fromisoformat(published) == soon
    assert published.endswith("+01:00")  # Oslo in November, whatever zone the tablet is set to


def test_a_time_with_an_offset_is_the_instant_it_names_the_same_as_the_offices_time(system: System) -> None:
    soon = _soon(system)

    with_offset = system.check_in(OFFICE, _appointment(f"{soon.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z"))
    office_time = system.check_in(OFFICE, _appointment(f"{soon:%H:%M}"))

    assert with_offset.status_code == office_time.status_code == 201, (with_offset.text, office_time.text)
    published = [_published_start(system, answer.json()["visit_id"]) for answer in (with_offset, office_time)]
    assert [datetime.fromisoformat(start) for start in published] == [soon, soon]


@pytest.mark.parametrize(
    "starts_at",
    ["15:40", "{day}T15:40", "{day}T14:40:00Z", "{day}T07:30"],
    ids=["time-of-day", "date-and-time", "with-offset", "before-opening"],
)
def test_an_appointment_outside_the_opening_hours_is_refused_and_nothing_is_published(
    system: System, starts_at: str
) -> None:
    starts_at = starts_at.format(day=f"{system.clock.now().astimezone(OSLO):%Y-%m-%d}")
    before = system.end_offsets(system.topics.visits)

    answer = system.check_in(OFFICE, _appointment(starts_at))

    assert answer.status_code == 409, answer.text
    assert answer.json()["error"] == "appointment_outside_hours"
    assert "opening hours" in answer.json()["message"]
    assert starts_at.split("T")[-1][:5] not in answer.json()["message"]
    assert system.end_offsets(system.topics.visits) == before


@pytest.mark.parametrize("starts_at", ["24:00", "15:40+01:00", "2026-02-30T10:00"])
def test_a_malformed_appointment_time_is_a_422_naming_the_field(system: System, starts_at: str) -> None:
    answer = system.check_in(OFFICE, _appointment(starts_at))

    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "invalid_request"
    assert "appointment.starts_at" in answer.json()["message"]
    assert "HH:MM" in answer.json()["message"]  # the forms it takes
    assert starts_at not in answer.text
