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
    CloseDay,
    Command,
    CompleteService,
    Event,
    MarkNoShow,
    OfficeDayClosed,
    Outcome,
    Reason,
    StartService,
    TransferVisit,
    VisitKind,
    VisitorCheckedIn,
)
from visitflow_offices import load_offices
from visitflow_queue.domain import OfficeQueue, check_in, decide, fold, snapshot
from visitflow_queue.domain.changes import Shown, apply, changes

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


def wire(change: dict[str, Any] | None) -> dict[str, Any]:
    assert change is not None
    parsed: dict[str, Any] = orjson.loads(orjson.dumps(change))
    return parsed


def step(state: OfficeQueue, command: Command) -> tuple[OfficeQueue, list[Event]]:
    decision = decide(state, OFFICE, command, NOW + timedelta(minutes=10))
    assert decision.rejection is None, decision.rejection
    return fold(state, decision.events), decision.events


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
    view = snapshot(state, OFFICE)
    shown, picture = Shown.of("1-0", view), wire(view)
    queued = check_in(state, OFFICE, urgent, urgent.occurred_at)
    state = fold(state, queued)
    batches = [(queued, snapshot(state, OFFICE))]
    for command in commands:
        state, events = step(state, command)
        batches.append((events, snapshot(state, OFFICE)))

    for number, (events, view) in enumerate(batches, start=1):
        change = wire(changes(shown, events, view))
        assert change["base"] == shown.frame_id
        assert len(change["visits"]) == 1  # one visit touched by each
        picture = apply(picture, change)
        assert picture == wire(view)
        shown = Shown.of(f"1-{number}", view)
    assert [(v["ticket"], v["line_id"]) for v in picture["waiting"]] == [
        ("D-002", "drop_in"),
        ("D-003", "self_service"),  # transferred, after the line it left
    ]
    assert picture["called"] == picture["in_service"] == []


def test_a_call_sends_a_fraction_of_the_snapshot_and_only_what_changed() -> None:
    state = admit(OfficeQueue(office_id="loten"), *(arrival(minute) for minute in range(20)))
    shown = Shown.of("1-0", snapshot(state, OFFICE))
    state, events = step(state, CallNext(**command_fields(), room_id="samtalerom-1"))
    view = snapshot(state, OFFICE)

    change = wire(changes(shown, events, view))

    assert list(change["visits"]) == [view["called"][0]["visit_id"]]  # the others moved up: see the order
    assert set(change["parts"]) == {"rooms", "lines", "waits"}  # everyone behind is nearer their turn
    assert len(orjson.dumps(change)) * 2 < len(orjson.dumps(view))


def test_a_visit_that_leaves_the_lists_is_removed() -> None:
    visitor = arrival(0)
    state = admit(OfficeQueue(office_id="loten"), visitor)
    shown = Shown.of("1-0", snapshot(state, OFFICE))
    state, events = step(state, MarkNoShow(**command_fields(), visit_id=visitor.visit_id))

    change = wire(changes(shown, events, snapshot(state, OFFICE)))

    assert change["visits"] == {str(visitor.visit_id): None}
    assert change["order"] == {"waiting": [], "called": [], "in_service": []}


def test_a_closed_day_or_a_new_one_is_sent_whole() -> None:
    state = admit(OfficeQueue(office_id="loten"), arrival(0), arrival(1))
    shown = Shown.of("1-0", snapshot(state, OFFICE))
    assert state.business_date is not None
    closed, events = step(state, CloseDay(**command_fields(), business_date=state.business_date))
    assert any(isinstance(event, OfficeDayClosed) for event in events)
    assert changes(shown, events, snapshot(closed, OFFICE)) is None

    tomorrow = arrival(24 * 60)
    queued = check_in(state, OFFICE, tomorrow, tomorrow.occurred_at)
    assert changes(shown, queued, snapshot(fold(state, queued), OFFICE)) is None
