"""Wait estimates: mean recent service time x people ahead / rooms in use."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

from visitflow_events import Reason, VisitKind, VisitorCheckedIn, VisitStage
from visitflow_offices import Office, load_offices
from visitflow_queue.domain import OfficeQueue, check_in, fold
from visitflow_queue.domain.estimates import (
    ahead_of,
    estimated_wait_seconds,
    mean_service_seconds,
    serving_rooms,
)

CONFIG = Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml"
NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
DAY = date(2026, 11, 23)


def loten() -> Office:
    office = load_offices(CONFIG).office("loten")
    assert office is not None
    return office


OFFICE = loten()
DEFAULT_S = OFFICE.policy.default_service_minutes * 60  # 720


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


def with_waiting(count: int) -> tuple[OfficeQueue, list[UUID]]:
    state = OfficeQueue(office_id="loten")
    visit_ids = []
    for minute in range(count):
        event = arrival(minute)
        state = fold(state, check_in(state, OFFICE, event, event.occurred_at))
        visit_ids.append(event.visit_id)
    return state, visit_ids


def in_rooms(state: OfficeQueue, visit_ids: list[UUID], rooms: list[str]) -> OfficeQueue:
    visits = dict(state.visits)
    for visit_id, room in zip(visit_ids, rooms, strict=True):
        visits[visit_id] = visits[visit_id].model_copy(update={"room_id": room, "stage": VisitStage.CALLED})
    return state.model_copy(update={"visits": visits})


def test_mean_service_time_defaults_to_the_policy() -> None:
    state, _ = with_waiting(0)

    assert mean_service_seconds(state, OFFICE, "drop_in") == DEFAULT_S == 720


def test_mean_service_time_uses_the_lines_recent_history() -> None:
    state, _ = with_waiting(0)
    state = state.model_copy(update={"service_seconds": {"drop_in": [300, 600, 900]}})

    assert mean_service_seconds(state, OFFICE, "drop_in") == 600
    assert mean_service_seconds(state, OFFICE, "emergency") == DEFAULT_S


def test_wait_grows_with_the_people_ahead() -> None:
    state, _ = with_waiting(0)

    waits = [estimated_wait_seconds(state, OFFICE, "drop_in", ahead) for ahead in range(4)]

    assert waits == [0, 720, 1440, 2160]


def test_wait_shrinks_with_rooms_in_use() -> None:
    state, visit_ids = with_waiting(3)
    one_room = in_rooms(state, visit_ids[:1], ["samtalerom-1"])
    two_rooms = in_rooms(state, visit_ids[:2], ["samtalerom-1", "samtalerom-2"])

    assert serving_rooms(state, OFFICE) == 1  # nobody in a room counts as one
    assert serving_rooms(two_rooms, OFFICE) == 2
    assert estimated_wait_seconds(one_room, OFFICE, "drop_in", 2) == 1440
    assert estimated_wait_seconds(two_rooms, OFFICE, "drop_in", 2) == 720


def test_rooms_in_use_are_capped_at_the_conversation_rooms() -> None:
    state, visit_ids = with_waiting(5)
    rooms = ["samtalerom-1", "samtalerom-2", "samtalerom-3", "moterom-1", "moterom-2"]

    full = in_rooms(state, visit_ids, rooms)

    assert serving_rooms(full, OFFICE) == 3  # Løten has three conversation rooms


def test_ahead_of_counts_waiting_visitors_earlier_in_call_order() -> None:
    state, visit_ids = with_waiting(3)
    urgent = arrival(10, VisitKind.EMERGENCY)
    state = fold(state, check_in(state, OFFICE, urgent, urgent.occurred_at))

    assert ahead_of(state, OFFICE, state.visits[urgent.visit_id]) == 0
    assert [ahead_of(state, OFFICE, state.visits[v]) for v in visit_ids] == [1, 2, 3]


def test_check_in_estimate_uses_recorded_service_times() -> None:
    state, _ = with_waiting(2)
    state = state.model_copy(update={"service_seconds": {"drop_in": [60, 120]}})
    event = arrival(5)

    (queued,) = check_in(state, OFFICE, event, NOW)

    assert queued.model_dump()["position"] == 3
    assert queued.model_dump()["estimated_wait_s"] == 2 * 90
