"""The simulator's day plans carry the figures of docs/DOMAIN.md exactly."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from visitflow_events import Reason, VisitKind
from visitflow_events.ids import REFERENCE_PATTERN
from visitflow_offices import OSLO, FixedClock, Office, load_offices, office_hours
from visitflow_simulator.__main__ import chosen
from visitflow_simulator.hosts import conversation, next_actions
from visitflow_simulator.plan import DROP_IN_REASONS, apportion, booking_reference, plan_day
from visitflow_simulator.runner import OfficeSimulation

OFFICES = load_offices(Path(__file__).resolve().parents[3] / "deploy" / "config" / "offices.yaml")
MONDAY = date(2026, 11, 23)


def test_a_halden_day_has_100_drop_ins_44_percent_documents_or_case_status_and_10_steered() -> None:
    halden = OFFICES.office("halden")
    assert halden is not None
    drop_ins = [a for a in plan_day(halden, MONDAY) if a.kind is VisitKind.DROP_IN]
    assert len(drop_ins) == 100
    assert sum(a.reason in (Reason.DELIVER_DOCUMENTS, Reason.CASE_STATUS) for a in drop_ins) == 44
    assert sum(a.redirect_to is not None for a in drop_ins) == 10


def test_drop_ins_arrive_only_inside_the_drop_in_window_and_appointments_before_their_time() -> None:
    loten = OFFICES.office("loten")
    assert loten is not None
    arrivals = plan_day(loten, MONDAY)
    assert arrivals == sorted(arrivals, key=lambda a: a.at)
    for arrival in arrivals:
        hours = office_hours(loten, arrival.at, OSLO)
        if arrival.kind is VisitKind.DROP_IN:
            assert hours.drop_in_open, arrival.at
        if arrival.kind is VisitKind.APPOINTMENT:  # up to 20 minutes early, or up to 12 late
            assert arrival.appointment_at is not None
            assert -timedelta(minutes=12) <= arrival.appointment_at - arrival.at <= timedelta(minutes=20)
    assert not [a for a in plan_day(loten, date(2026, 11, 24)) if a.kind is VisitKind.DROP_IN]  # Tuesday


def test_nobody_comes_on_a_weekend_or_holiday_and_plans_repeat_for_a_seed() -> None:
    halden = OFFICES.office("halden")
    assert halden is not None
    assert plan_day(halden, date(2026, 11, 28)) == []
    assert plan_day(halden, date(2026, 12, 25)) == []
    assert plan_day(halden, MONDAY, seed=3) == plan_day(halden, MONDAY, seed=3)
    assert plan_day(halden, MONDAY, seed=3) != plan_day(halden, MONDAY, seed=4)
    assert len([a for a in plan_day(halden, MONDAY, scale=2) if a.kind is VisitKind.DROP_IN]) == 200


def test_appointments_name_the_offices_counsellors_and_references_of_the_check_ins_format() -> None:
    for office in OFFICES:
        for arrival in plan_day(office, MONDAY):
            if arrival.kind is VisitKind.APPOINTMENT:
                assert arrival.counsellor_id is not None
                assert office.counsellor(arrival.counsellor_id) is not None
    for number in (0, 42, 9_999, 10_000, 259_999):
        assert re.fullmatch(REFERENCE_PATTERN, booking_reference(number)), number


def test_apportion_adds_up_exactly() -> None:
    for total in (0, 1, 7, 99, 100, 101, 1000):
        parts = apportion(total, DROP_IN_REASONS)
        assert sum(parts.values()) == total
        assert all(abs(parts[r] - total * w / 100) < 1 for r, w in DROP_IN_REASONS.items())


NOW = datetime(2026, 11, 23, 12, 0, tzinfo=OSLO)


def _visit(visit_id: str, **extra: object) -> dict[str, object]:
    return {"visit_id": visit_id, "reason": "case_status", **extra}


def test_hosts_call_to_free_conversation_rooms_start_after_the_walk_and_complete_later() -> None:
    old = (NOW - timedelta(minutes=30)).astimezone(UTC).isoformat()
    just_now = NOW.astimezone(UTC).isoformat()
    snapshot = {
        "waiting": [_visit("w1"), _visit("w2"), _visit("w3")],
        "called": [_visit("c1", called_at=old), _visit("c2", called_at=just_now)],
        "in_service": [_visit("s1", started_at=old)],
        "rooms": [
            {"room_id": "r1", "kind": "conversation", "visit_id": "c1"},
            {"room_id": "r2", "kind": "conversation"},
            {"room_id": "r3", "kind": "conversation"},
            {"room_id": "m1", "kind": "meeting"},
        ],
    }
    actions = next_actions(snapshot, NOW, no_shows=set(), seed="test")
    paths = [action.path for action in actions]
    assert "visits/c1/start" in paths
    assert "visits/c2/start" not in paths  # still walking to the room
    assert "visits/s1/complete" in paths
    assert [a.body for a in actions if a.path == "call-next"] == [{"room_id": "r2"}, {"room_id": "r3"}]


def test_a_visitor_who_never_comes_is_recalled_not_started() -> None:
    old = (NOW - timedelta(minutes=5)).astimezone(UTC).isoformat()
    snapshot = {"called": [_visit("gone", called_at=old)], "rooms": []}
    actions = next_actions(snapshot, NOW, no_shows={"gone"}, seed="test")
    assert [action.path for action in actions] == ["visits/gone/recall"]


def test_a_visitor_called_as_often_as_the_office_allows_is_marked_as_not_showing() -> None:
    old = (NOW - timedelta(minutes=5)).astimezone(UTC).isoformat()
    snapshot = {"called": [{**_visit("gone", called_at=old), "calls": 3}], "rooms": []}
    actions = next_actions(snapshot, NOW, no_shows={"gone"}, seed="test", calls_before_no_show=3)
    assert [action.path for action in actions] == ["visits/gone/no-show"]


def test_appointments_are_booked_ahead_and_some_come_late_or_not_at_all() -> None:
    appointments = [
        a for office in OFFICES for a in plan_day(office, MONDAY) if a.kind is VisitKind.APPOINTMENT
    ]
    assert len(appointments) > 100
    references = [a.booking_id for a in appointments]
    assert all(r is not None and re.fullmatch(REFERENCE_PATTERN, r) for r in references)
    late = [a for a in appointments if a.appointment_at is not None and a.at > a.appointment_at]
    missed = [a for a in appointments if not a.comes]
    assert 0.08 < len(late) / len(appointments) < 0.25  # about 15 %
    assert 0.03 < len(missed) / len(appointments) < 0.14  # about 8 %
    booking = appointments[0].booking("loten")
    assert set(booking) == {
        "booking_id",
        "office_id",
        "counsellor_id",
        "starts_at",
        "duration_minutes",
        "reason",
    }
    tuesday = [a.booking_id for a in plan_day(OFFICES.office("halden"), date(2026, 11, 24))]  # type: ignore[arg-type]
    assert not set(tuesday) & set(references)  # each day's bookings are new bookings


def test_each_conversation_lasts_as_long_whenever_the_hosts_look() -> None:
    talk = conversation("hosts:halden:0", "D-007", "case_status")

    assert talk == conversation("hosts:halden:0", "D-007", "case_status")  # the same visitor, the same talk
    assert 7 * 0.6 <= talk.minutes <= 7 * 1.6
    others = {conversation("hosts:halden:0", f"D-{n:03d}", "case_status").minutes for n in range(20)}
    assert len(others) == 20  # each visitor their own


def test_walks_and_conversations_count_from_the_hosts_own_looks() -> None:
    stamp = (NOW - timedelta(seconds=80)).astimezone(UTC).isoformat()  # the system's, a moment late
    snapshot = {
        "called": [_visit("c1", called_at=stamp)],
        "in_service": [_visit("s1", started_at=(NOW - timedelta(hours=1)).astimezone(UTC).isoformat())],
        "rooms": [],
    }
    since = {"c1": NOW - timedelta(minutes=2), "s1": NOW - timedelta(minutes=1)}

    paths = [action.path for action in next_actions(snapshot, NOW, set(), "test", since=since)]

    assert paths == ["visits/c1/start"]  # walked since the look that called; s1 started a minute ago


def test_arrivals_come_halfway_between_two_looks() -> None:
    office = OFFICES.office("halden")
    assert office is not None
    clients = httpx.AsyncClient(), httpx.AsyncClient()
    simulation = OfficeSimulation(office, FixedClock(NOW), 60, *clients, host_step=timedelta(minutes=1))

    assert simulation.between_looks(NOW + timedelta(seconds=59)) == NOW + timedelta(seconds=30)
    assert simulation.between_looks(NOW + timedelta(seconds=61)) == NOW + timedelta(seconds=90)


def test_a_look_waits_until_the_list_shows_every_visitor_queued_so_far() -> None:
    shown = iter([0, 0, 1])

    def queue(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"issued_today": next(shown), "waiting": []})

    async def look() -> dict[str, object]:
        office = OFFICES.office("halden")
        assert office is not None
        async with httpx.AsyncClient(transport=httpx.MockTransport(queue), base_url="http://q") as client:
            simulation = OfficeSimulation(office, FixedClock(NOW), 60, client, client, queued_today=1)
            return await simulation.see_list()

    assert asyncio.run(look())["issued_today"] == 1  # the two earlier answers did not show the check-in


def ids(offices: list[Office]) -> list[str]:
    return [office.id for office in offices]


def test_the_offices_named_are_played_and_only_of_the_region_named() -> None:
    assert ids(chosen(OFFICES, ["halden", "sarpsborg"], None)) == ["halden", "sarpsborg"]
    assert "moss" not in ids(chosen(OFFICES, ["halden", "sarpsborg"], None))
    assert ids(chosen(OFFICES, ["halden", "loten"], "ostfold")) == ["halden"]
    assert "moss" in ids(chosen(OFFICES, [], "ostfold"))
    assert len(chosen(OFFICES, [], None)) == len(chosen(OFFICES, [], "all")) == len(list(OFFICES))
