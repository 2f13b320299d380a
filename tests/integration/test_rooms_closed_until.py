"""A room closed until a time, on the real system: the host says when it will be back, the queue keeps
it on the room (the tablet's picture), the wait estimates expect it back then (a figure, not "no room
open", while every room is closed), it stays closed until a host opens it; a time that is not later
than now or past the day's opening is a clear 422."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from visitflow_devstack.testing import System, eventually

pytestmark = pytest.mark.integration
OFFICE = "elverum"  # two conversation rooms; no drop-in on Mondays, so only these emergencies wait
ROOMS = ("samtalerom-1", "samtalerom-2")
EMERGENCY = {"kind": "emergency", "reason": "emergency_assistance"}


@pytest.fixture
def office(system: System) -> Iterator[str]:
    system.clear(OFFICE)
    try:
        yield OFFICE
    finally:
        for room in ROOMS:
            system.command(OFFICE, f"rooms/{room}/open")  # refused when it is open already: that is fine
        system.clear(OFFICE)


def _now(system: System) -> datetime:
    return datetime.fromisoformat(system.queue.get("/api/clock").json()["now"])


def _rooms(system: System) -> dict[str, dict[str, Any]]:
    return {room["room_id"]: room for room in system.waiting_list(OFFICE)["rooms"]}


def test_a_room_closed_until_a_time_is_expected_back_then_and_opened_by_a_host(
    system: System, office: str
) -> None:
    assert system.check_in(office, EMERGENCY).status_code == 201
    until = (_now(system) + timedelta(minutes=30)).replace(microsecond=0)

    closed = system.command(office, f"rooms/{ROOMS[0]}/close", {"until": until.isoformat()})
    other = system.command(office, f"rooms/{ROOMS[1]}/close")  # until further notice

    assert closed.status_code == 200, closed.text
    assert datetime.fromisoformat(closed.json()["event"]["until"]) == until
    assert other.status_code == 200, other.text
    assert other.json()["event"].get("until") is None
    rooms = _rooms(system)
    assert datetime.fromisoformat(rooms[ROOMS[0]]["closed_until"]) == until
    assert rooms[ROOMS[0]]["in_service"] is False
    assert "closed_until" not in rooms[ROOMS[1]]
    # every room closed, one expected back in half an hour: the emergency is called then, not never
    line = next(line for line in system.waiting_list(office)["lines"] if line["line_id"] == "emergency")
    assert not line.get("no_room")
    assert 25 * 60 <= line["expected_wait_s"] <= 30 * 60
    # it is not opened by itself: a host opens it, and the time is gone with the close
    refused = system.command(office, "call-next", {"room_id": ROOMS[0]})
    assert (refused.status_code, refused.json()["error"]) == (409, "room_closed")
    assert system.command(office, f"rooms/{ROOMS[0]}/open").status_code == 200
    eventually(lambda: "closed_until" not in _rooms(system)[ROOMS[0]], what="the time gone with the close")


def test_a_close_until_a_time_of_day_is_read_in_office_time(system: System, office: str) -> None:
    soon = _now(system) + timedelta(minutes=20)

    closed = system.command(office, f"rooms/{ROOMS[0]}/close", {"until": f"{soon:%H:%M}"})

    assert closed.status_code == 200, closed.text
    until = datetime.fromisoformat(closed.json()["event"]["until"])
    assert until.utcoffset() is not None
    assert timedelta(minutes=18) < until - _now(system) <= timedelta(minutes=20)


@pytest.mark.parametrize(
    ("until", "code"),
    [
        (lambda now: (now - timedelta(minutes=5)).isoformat(), "bad_until"),
        (lambda now: now.replace(hour=23, minute=0).isoformat(), "bad_until"),
        (lambda now: "23:30", "bad_until"),
        (lambda now: (now + timedelta(days=1)).isoformat(), "bad_until"),
        (lambda now: "lunsj-til-kvart-over", "invalid_request"),
    ],
    ids=["past", "after-closing", "time-after-closing", "tomorrow", "not-a-time"],
)
def test_a_close_until_a_time_not_later_than_now_or_past_the_opening_is_a_clear_422(
    system: System, office: str, until: Any, code: str
) -> None:
    sent = until(_now(system))

    answer = system.command(office, f"rooms/{ROOMS[0]}/close", {"until": sent})

    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == code
    assert sent not in answer.text
    assert _rooms(system)[ROOMS[0]]["in_service"] is True
