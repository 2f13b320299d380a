"""What hosts and screens see: the snapshot of an office's queue."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from visitflow_events import (
    Appointment,
    CallNext,
    CallVisit,
    CloseDay,
    CloseRoom,
    Command,
    HoldVisit,
    Reason,
    ResolveFollowUp,
    StartService,
    TransferVisit,
    VisitKind,
    VisitorCheckedIn,
    VisitorQueued,
)
from visitflow_offices import Office, load_offices
from visitflow_queue.domain import OfficeQueue, VisitViews, check_in, decide, fold, snapshot
from visitflow_queue.domain.estimates import TURNOVER_S, Wait, wait_view
from visitflow_queue.domain.readmodel import time_changes

CONFIG = Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml"
NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
DAY = date(2026, 11, 23)


def loten() -> Office:
    office = load_offices(CONFIG).office("loten")
    assert office is not None
    return office


OFFICE = loten()


def arrival(minutes: int, kind: VisitKind = VisitKind.DROP_IN) -> VisitorCheckedIn:
    reason = Reason.EMERGENCY_ASSISTANCE if kind is VisitKind.EMERGENCY else Reason.CASE_STATUS
    return VisitorCheckedIn(
        event_id=uuid4(),
        occurred_at=NOW + timedelta(minutes=minutes),
        office_id="loten",
        correlation_id=uuid4(),
        producer="checkin",
        visit_id=uuid4(),
        business_date=DAY,
        kind=kind,
        reason=reason,
        line_id=OFFICE.line_for(kind, reason).id,
    )


def command_fields() -> dict[str, object]:
    return {
        "command_id": uuid4(),
        "occurred_at": NOW,
        "office_id": "loten",
        "correlation_id": uuid4(),
        "producer": "host-ui",
    }


def admit(state: OfficeQueue, *arrivals: VisitorCheckedIn) -> OfficeQueue:
    for event in arrivals:
        state = fold(state, check_in(state, OFFICE, event, event.occurred_at))
    return state


def test_an_empty_office() -> None:
    view = snapshot(OfficeQueue(office_id="loten"), OFFICE)

    assert view["office_id"] == "loten"
    assert view["business_date"] is None
    assert view["waiting"] == []
    assert view["issued_today"] == 0
    assert [room["room_id"] for room in view["rooms"]] == [room.id for room in OFFICE.rooms]
    assert all("ticket" not in room for room in view["rooms"])
    assert [line["prefix"] for line in view["lines"]] == ["A", "T", "D", "S"]


def test_waiting_is_listed_in_call_order_with_positions() -> None:
    first, second, urgent = arrival(0), arrival(1), arrival(2, VisitKind.EMERGENCY)
    state = admit(OfficeQueue(office_id="loten"), first, second, urgent)

    view = snapshot(state, OFFICE)

    assert [visit["ticket"] for visit in view["waiting"]] == ["A-001", "D-001", "D-002"]
    assert [visit["position"] for visit in view["waiting"]] == [1, 2, 3]
    assert view["waiting"][0]["visit_id"] == str(urgent.visit_id)
    assert view["business_date"] == "2026-11-23"
    assert view["issued_today"] == 3


def test_rooms_show_their_occupants_and_lines_their_counts() -> None:
    first, second, third = arrival(0), arrival(1), arrival(2)
    state = admit(OfficeQueue(office_id="loten"), first, second, third)
    state = fold(
        state, decide(state, OFFICE, CallNext(**command_fields(), room_id="samtalerom-2"), NOW).events
    )
    state = fold(
        state, decide(state, OFFICE, StartService(**command_fields(), visit_id=first.visit_id), NOW).events
    )
    state = fold(state, decide(state, OFFICE, CallNext(**command_fields(), room_id="moterom-1"), NOW).events)

    view = snapshot(state, OFFICE)

    rooms = {room["room_id"]: room for room in view["rooms"]}
    assert rooms["samtalerom-2"]["ticket"] == "D-001"
    assert rooms["samtalerom-2"]["visit_id"] == str(first.visit_id)
    assert rooms["samtalerom-2"]["stage"] == "in_service"
    assert rooms["moterom-1"]["ticket"] == "D-002"
    assert rooms["moterom-1"]["stage"] == "called"
    assert rooms["moterom-1"]["kind"] == "meeting"
    assert "ticket" not in rooms["samtalerom-1"]
    assert [visit["ticket"] for visit in view["waiting"]] == ["D-003"]
    assert view["waiting"][0]["position"] == 1
    assert [visit["ticket"] for visit in view["called"]] == ["D-002"]
    assert [visit["ticket"] for visit in view["in_service"]] == ["D-001"]
    lines = {line["line_id"]: line for line in view["lines"]}
    assert lines["drop_in"]["waiting"] == 1
    assert lines["emergency"]["waiting"] == 0
    assert lines["drop_in"]["mean_service_s"] == 720
    # samtalerom-1 is free: D-003 is called next, after the office's turnover
    assert lines["drop_in"]["expected_wait_s"] == TURNOVER_S


def appointment(counsellor_id: str | None) -> VisitorCheckedIn:
    return arrival(0).model_copy(
        update={
            "kind": VisitKind.APPOINTMENT,
            "reason": Reason.COUNSELLOR_APPOINTMENT,
            "line_id": "appointment",
            "appointment": Appointment(
                reference="REF-4K7Q", starts_at=NOW + timedelta(minutes=10), counsellor_id=counsellor_id
            ),
        }
    )


def test_a_visit_shows_its_counsellor_by_id_and_configured_label() -> None:
    state = admit(OfficeQueue(office_id="loten"), appointment("veileder-2"), arrival(1))
    drop_in = state.waiting()[1]
    state = fold(
        state,
        decide(
            state,
            OFFICE,
            TransferVisit(
                **command_fields(),
                visit_id=drop_in.visit_id,
                to_line_id="drop_in",
                counsellor_id="veileder-3",
            ),
            NOW,
        ).events,
    )

    view = snapshot(state, OFFICE)

    shown = [(visit.get("counsellor_id"), visit.get("counsellor")) for visit in view["waiting"]]
    assert shown == [("veileder-2", "Veileder 2"), ("veileder-3", "Veileder 3")]
    assert view["counsellors"][:2] == [
        {"counsellor_id": "veileder-1", "name": "Veileder 1"},
        {"counsellor_id": "veileder-2", "name": "Veileder 2"},
    ]


def test_a_counsellor_the_office_does_not_have_is_never_shown() -> None:
    """A visit recorded before counsellors were checked may name anything: screens show none of it."""
    queued = check_in(OfficeQueue(office_id="loten"), OFFICE, appointment("veileder-2"), NOW)[0]
    assert isinstance(queued, VisitorQueued)
    recorded = queued.model_copy(update={"counsellor_id": "Ola.Nordmann"})

    (visit,) = snapshot(fold(OfficeQueue(office_id="loten"), [recorded]), OFFICE)["waiting"]

    assert "counsellor_id" not in visit
    assert "counsellor" not in visit


def test_the_snapshot_is_json_ready() -> None:
    state = admit(OfficeQueue(office_id="loten"), arrival(0), arrival(1, VisitKind.EMERGENCY))

    view = snapshot(state, OFFICE)

    assert json.loads(json.dumps(view)) == view


def test_a_visit_unchanged_since_the_last_snapshot_keeps_its_view_and_a_changed_one_gets_a_new_one() -> None:
    first, second = arrival(0), arrival(1)
    state = admit(OfficeQueue(office_id="loten"), first, second)
    state = fold(
        state, decide(state, OFFICE, CallNext(**command_fields(), room_id="samtalerom-1"), NOW).events
    )
    views = VisitViews()
    before = snapshot(state, OFFICE, views)

    later = admit(state, arrival(2))
    after = snapshot(later, OFFICE, views)
    started = fold(
        later, decide(later, OFFICE, StartService(**command_fields(), visit_id=first.visit_id), NOW).events
    )
    last = snapshot(started, OFFICE, views)

    assert after["called"][0] is before["called"][0]  # the called visitor's view, made once
    assert last["in_service"][0]["stage"] == "in_service"
    assert last["in_service"][0] is not before["called"][0]
    assert after == snapshot(later, OFFICE)
    assert last == snapshot(started, OFFICE)


def test_the_rooms_are_made_again_only_when_someone_moves_room_or_a_room_closes() -> None:
    state = admit(OfficeQueue(office_id="loten"), arrival(0), arrival(1))
    views = VisitViews()
    before = snapshot(state, OFFICE, views)

    later = admit(state, arrival(2))
    after_check_in = snapshot(later, OFFICE, views)
    called = fold(
        later, decide(later, OFFICE, CallNext(**command_fields(), room_id="samtalerom-1"), NOW).events
    )
    after_call = snapshot(called, OFFICE, views)
    closed = fold(
        called, decide(called, OFFICE, CloseRoom(**command_fields(), room_id="samtalerom-2"), NOW).events
    )
    after_close = snapshot(closed, OFFICE, views)

    assert after_check_in["rooms"] is before["rooms"]  # a check-in moves nobody
    assert after_call["rooms"] is not before["rooms"]
    assert [r["ticket"] for r in after_call["rooms"] if "ticket" in r] == ["D-001"]
    assert [r["in_service"] for r in after_close["rooms"] if r["room_id"] == "samtalerom-2"] == [False]
    assert after_call == snapshot(called, OFFICE)
    assert after_close == snapshot(closed, OFFICE)


def command(kind: type[Command], **fields: object) -> Command:
    return kind(**command_fields(), **fields)


def run(state: OfficeQueue, *commands: Command, now: datetime = NOW) -> OfficeQueue:
    for each in commands:
        decision = decide(state, OFFICE, each, now)
        assert decision.rejection is None, decision.rejection
        state = fold(state, decision.events)
    return state


def test_waiting_visits_say_whether_they_are_on_hold() -> None:
    first, second = arrival(0), arrival(1)
    state = run(
        admit(OfficeQueue(office_id="loten"), first, second), command(HoldVisit, visit_id=first.visit_id)
    )

    view = snapshot(state, OFFICE)

    assert [(v["ticket"], v["held"], v["position"]) for v in view["waiting"]] == [
        ("D-001", True, 1),
        ("D-002", False, 2),
    ]


def test_the_snapshot_says_how_long_a_removal_can_be_undone() -> None:
    assert snapshot(OfficeQueue(office_id="loten"), OFFICE)["undo_seconds"] == 15


def test_the_follow_up_list_comes_first_oldest_first_and_stays_after_the_day() -> None:
    late, early = arrival(5, VisitKind.EMERGENCY), arrival(2, VisitKind.EMERGENCY)
    state = admit(OfficeQueue(office_id="loten"), late, early)
    state = run(state, command(CloseDay, business_date=DAY), now=NOW + timedelta(hours=5))
    next_day = admit(state, arrival(0).model_copy(update={"business_date": DAY + timedelta(days=1)}))

    view = snapshot(next_day, OFFICE)

    assert next(iter(view)) == "follow_up"
    assert view["follow_up"] == [
        {
            "visit_id": str(early.visit_id),
            "ticket": "A-002",
            "kind": "emergency",
            "since": "2026-11-23T11:32:00Z",
        },
        {
            "visit_id": str(late.visit_id),
            "ticket": "A-001",
            "kind": "emergency",
            "since": "2026-11-23T11:35:00Z",
        },
    ]
    assert view["business_date"] == "2026-11-24"
    resolved = run(next_day, command(ResolveFollowUp, visit_id=early.visit_id))
    assert [f["ticket"] for f in snapshot(resolved, OFFICE)["follow_up"]] == ["A-001"]


def test_closing_shows_from_half_an_hour_before_closing_until_the_day_is_closed() -> None:
    waiting, urgent, talking = arrival(0), arrival(1, VisitKind.EMERGENCY), arrival(2)
    state = admit(OfficeQueue(office_id="loten"), waiting, urgent, talking)
    state = run(
        state,
        command(CallVisit, visit_id=talking.visit_id, room_id="samtalerom-1"),
        command(StartService, visit_id=talking.visit_id),
    )
    closes = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)  # 15:30 in Oslo

    assert "closing" not in snapshot(state, OFFICE, now=closes - timedelta(minutes=31))
    assert "closing" not in snapshot(state, OFFICE)  # without a time, no notice
    notice = {"at": "15:30", "waiting": 2, "in_service": 1, "emergencies": 1}
    assert snapshot(state, OFFICE, now=closes - timedelta(minutes=30))["closing"] == notice
    assert (
        snapshot(state, OFFICE, now=closes + timedelta(minutes=20))["closing"] == notice
    )  # closed, day open
    closed = run(state, command(CloseDay, business_date=DAY), now=closes + timedelta(minutes=30))
    assert "closing" not in snapshot(closed, OFFICE, now=closes + timedelta(minutes=31))
    assert "closing" not in snapshot(state, OFFICE, now=closes + timedelta(hours=12))  # the next day


def test_the_waiting_order_at_a_time_puts_the_overdue_first() -> None:
    helper = arrival(0).model_copy(update={"reason": Reason.SELF_SERVICE_HELP, "line_id": "self_service"})
    state = admit(OfficeQueue(office_id="loten"), helper, arrival(10))

    assert [v["ticket"] for v in snapshot(state, OFFICE, now=NOW + timedelta(minutes=40))["waiting"]] == [
        "D-001",
        "S-001",
    ]
    assert [v["ticket"] for v in snapshot(state, OFFICE, now=NOW + timedelta(minutes=46))["waiting"]] == [
        "S-001",
        "D-001",
    ]


def test_time_changes_the_snapshot_when_the_closing_notice_begins_or_a_visitor_crosses_the_limit() -> None:
    state = admit(OfficeQueue(office_id="loten"), arrival(0), arrival(1, VisitKind.EMERGENCY))
    limit = timedelta(minutes=OFFICE.policy.max_wait_minutes)
    notice = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 15:00 in Oslo, half an hour before closing

    assert not time_changes(state, OFFICE, NOW, NOW + limit)
    assert time_changes(state, OFFICE, NOW + limit, NOW + limit + timedelta(seconds=1))
    assert not time_changes(state, OFFICE, NOW + limit + timedelta(seconds=1), NOW + limit * 2)
    assert time_changes(state, OFFICE, notice - timedelta(seconds=1), notice)
    assert not time_changes(state, OFFICE, notice, notice + timedelta(minutes=10))


def test_a_room_closed_until_a_time_shows_that_time_and_one_closed_until_further_notice_none() -> None:
    state = OfficeQueue(office_id="loten")
    lunch_ends = NOW + timedelta(minutes=45)
    for command in (
        CloseRoom(**command_fields(), room_id="samtalerom-1", until=lunch_ends),
        CloseRoom(**command_fields(), room_id="samtalerom-2"),
    ):
        state = fold(state, decide(state, OFFICE, command, NOW).events)

    rooms = {room["room_id"]: room for room in snapshot(state, OFFICE, now=NOW)["rooms"]}

    assert rooms["samtalerom-1"]["in_service"] is False
    assert rooms["samtalerom-1"]["closed_until"] == lunch_ends.isoformat()
    assert rooms["samtalerom-2"]["in_service"] is False
    assert "closed_until" not in rooms["samtalerom-2"]
    assert "closed_until" not in rooms["samtalerom-3"]


def test_a_waiting_visitors_estimate_entry_is_kept_while_its_figures_are_unchanged() -> None:
    kept, changed, gone, new = (uuid4() for _ in range(4))
    views = VisitViews()
    before = views.waits({kept: Wait(300, 200, 400), changed: Wait(600, 500, 700), gone: Wait(60, 0, 90)})

    after = views.waits({kept: Wait(300, 200, 400), changed: Wait(660, 500, 800), new: Wait(900, 600, 1200)})

    assert after[str(kept)] is before[str(kept)]
    assert after[str(changed)] is not before[str(changed)]
    assert list(after) == [str(kept), str(changed), str(new)]
    assert after == {
        str(visit_id): wait_view(wait)
        for visit_id, wait in {
            kept: Wait(300, 200, 400),
            changed: Wait(660, 500, 800),
            new: Wait(900, 600, 1200),
        }.items()
    }
