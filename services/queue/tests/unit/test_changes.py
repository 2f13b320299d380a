"""The changes a tablet is sent instead of the whole snapshot: applied as the page applies them, they
give exactly the next snapshot, and they are a fraction of its size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson
from visitflow_events import (
    CallNext,
    Command,
    CompleteService,
    MarkNoShow,
    Outcome,
    Reason,
    StartService,
    TransferVisit,
    VisitKind,
    VisitorCheckedIn,
)
from visitflow_offices import load_offices
from visitflow_queue.changes import Picture, apply, changes
from visitflow_queue.domain import OfficeQueue, check_in, decide, fold, snapshot

CONFIG = Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml"
OFFICE = load_offices(CONFIG).offices["loten"]
NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)


def arrival(minutes: int, kind: VisitKind = VisitKind.DROP_IN) -> VisitorCheckedIn:
    reason = Reason.EMERGENCY_ASSISTANCE if kind is VisitKind.EMERGENCY else Reason.CASE_STATUS
    at = NOW + timedelta(minutes=minutes)
    return VisitorCheckedIn(
        event_id=uuid4(),
        occurred_at=at,
        office_id=OFFICE.id,
        correlation_id=uuid4(),
        producer="checkin",
        visit_id=uuid4(),
        business_date=at.date(),
        kind=kind,
        reason=reason,
        line_id=OFFICE.line_for(kind, reason).id,
    )


def admit(state: OfficeQueue, *arrivals: VisitorCheckedIn) -> OfficeQueue:
    for event in arrivals:
        state = fold(state, check_in(state, OFFICE, event, event.occurred_at))
    return state


def command_fields() -> dict[str, Any]:
    return {
        "command_id": uuid4(),
        "occurred_at": NOW,
        "office_id": OFFICE.id,
        "correlation_id": uuid4(),
        "producer": "host-ui",
    }


def wire(change: dict[str, Any]) -> dict[str, Any]:
    parsed: dict[str, Any] = orjson.loads(orjson.dumps(change))
    return parsed


def step(state: OfficeQueue, command: Command) -> OfficeQueue:
    decision = decide(state, OFFICE, command, NOW + timedelta(minutes=10))
    assert decision.rejection is None, decision.rejection
    return fold(state, decision.events)


def test_each_change_applied_to_the_last_snapshot_gives_the_next() -> None:
    first, second, third, urgent = arrival(0), arrival(1), arrival(2), arrival(3, VisitKind.EMERGENCY)
    state = admit(OfficeQueue(office_id="loten"), first, second, third)
    commands: list[Command] = [
        CallNext(**command_fields(), room_id="samtalerom-1"),  # the urgent one, admitted below
        StartService(**command_fields(), visit_id=urgent.visit_id),
        TransferVisit(**command_fields(), visit_id=third.visit_id, to_line_id="self_service"),
        CallNext(**command_fields(), room_id="samtalerom-2"),
        MarkNoShow(**command_fields(), visit_id=first.visit_id),
        CompleteService(**command_fields(), visit_id=urgent.visit_id, outcome=Outcome.SERVED),
    ]
    shown = wire(snapshot(state, OFFICE))
    picture = Picture.of(snapshot(state, OFFICE))
    state = admit(state, urgent)
    views = [snapshot(state, OFFICE)]
    for command in commands:
        state = step(state, command)
        views.append(snapshot(state, OFFICE))

    for number, view in enumerate(views):
        after = Picture.of(view)
        change = wire(changes(f"1-{number}", picture, after, view))
        assert change["base"] == f"1-{number}"
        shown = apply(shown, change)
        assert shown == wire(view)
        picture = after
    assert [(v["ticket"], v["line_id"]) for v in shown["waiting"]] == [
        ("D-002", "drop_in"),
        ("D-003", "self_service"),  # transferred, after the line it left
    ]
    assert shown["called"] == shown["in_service"] == []


def test_a_call_sends_a_fraction_of_the_snapshot_and_only_what_changed() -> None:
    state = admit(OfficeQueue(office_id="loten"), *(arrival(minute) for minute in range(20)))
    before = snapshot(state, OFFICE)
    state = step(state, CallNext(**command_fields(), room_id="samtalerom-1"))
    view = snapshot(state, OFFICE)

    change = changes("1-0", Picture.of(before), Picture.of(view), view)

    called = view["called"][0]["visit_id"]
    assert list(change["visits"]) == [called]  # the others only moved up: their order says so
    assert set(change["parts"]) == {"rooms", "lines"}
    assert len(orjson.dumps(change)) * 2 < len(orjson.dumps(view))


def test_a_visit_that_leaves_the_lists_is_removed() -> None:
    visitor = arrival(0)
    state = admit(OfficeQueue(office_id="loten"), visitor)
    before = snapshot(state, OFFICE)
    state = step(state, MarkNoShow(**command_fields(), visit_id=visitor.visit_id))
    view = snapshot(state, OFFICE)

    change = wire(changes("1-0", Picture.of(before), Picture.of(view), view))

    assert change["visits"] == {str(visitor.visit_id): None}
    assert change["order"] == {"waiting": [], "called": [], "in_service": []}
