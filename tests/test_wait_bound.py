"""The replay that bounds every wait estimator (`bench/wait_bound.py`) plays an office by the simulated
hosts' rules: calls at their looks, walks, conversations, visitors who never come."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from visitflow_events import Outcome, Reason, VisitKind, VisitorCheckedIn, VisitStage
from visitflow_offices import Office, load_offices
from visitflow_queue.domain import OfficeQueue, check_in, fold
from visitflow_simulator.hosts import Conversation, Talk

from bench.wait_bound import Day, Spread, drawn, first_call

CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "config" / "offices.yaml"
NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # a Monday, 12:30 in Løten: drop-in is open (12-15)
NOTHING_LATER = Day(queued=[], first_calls={}, no_shows=frozenset(), room_changes=[])


def loten() -> Office:
    office = load_offices(CONFIG).office("loten")
    assert office is not None
    return office


def checked_in(office: Office, minutes: float) -> VisitorCheckedIn:
    return VisitorCheckedIn(
        event_id=uuid4(),
        occurred_at=NOW + timedelta(minutes=minutes),
        office_id=office.id,
        correlation_id=uuid4(),
        producer="checkin",
        visit_id=uuid4(),
        business_date=date(2026, 11, 23),
        kind=VisitKind.DROP_IN,
        reason=Reason.CASE_STATUS,
        line_id=office.line_for(VisitKind.DROP_IN, Reason.CASE_STATUS).id,
    )


def busy_office(office: Office) -> tuple[OfficeQueue, list[VisitorCheckedIn], list[VisitorCheckedIn]]:
    """Every room in conversation since `NOW` (the occupants first), and two visitors waiting."""
    rooms = [room.id for room in office.rooms][:3]
    occupants = [checked_in(office, -30 + n) for n in range(3)]
    waiting = [checked_in(office, -5 + n) for n in range(2)]
    state = OfficeQueue(office_id=office.id)
    for event in [*occupants, *waiting]:
        state = fold(state, check_in(state, office, event, event.occurred_at))
    visits = dict(state.visits)
    for event, room_id in zip(occupants, rooms, strict=True):
        visits[event.visit_id] = visits[event.visit_id].model_copy(
            update={"room_id": room_id, "stage": VisitStage.IN_SERVICE, "called_at": NOW, "started_at": NOW}
        )
    return state.model_copy(update={"visits": visits}), occupants, waiting


def lasting(minutes: Mapping[str, float]) -> Talk:
    def talk(visit: dict[str, Any]) -> Conversation:
        return Conversation(minutes[visit["visit_id"]], Outcome.SERVED)

    return talk


def test_a_replay_calls_at_the_hosts_looks_after_each_walk_and_conversation() -> None:
    office = loten()
    state, occupants, (first, second) = busy_office(office)
    talk = lasting(
        {str(occupants[0].visit_id): 10, str(occupants[1].visit_id): 20, str(occupants[2].visit_id): 30}
        | {str(first.visit_id): 5, str(second.visit_id): 5}
    )

    after = NOTHING_LATER.after(NOW, office)
    called_first = first_call(state, office, NOW, after, first.visit_id, talk)
    called_second = first_call(state, office, NOW, after, second.visit_id, talk)

    # the first room ends its conversation at the look of 11:40 and is called to at the next look
    assert called_first == NOW + timedelta(minutes=11)
    # that visitor walks in at the second look after the call (a minute and a half), talks five
    # minutes to 11:48, and the room is called to again at 11:49, before the second room ends (11:50)
    assert called_second == NOW + timedelta(minutes=19)


def test_a_visitor_who_never_comes_keeps_the_room_until_called_as_often_as_the_office_allows() -> None:
    office = loten()
    state, occupants, (first, second) = busy_office(office)
    talk = lasting({str(v.visit_id): m for v, m in zip(occupants, (10, 20, 30), strict=True)})
    gone = Day(queued=[], first_calls={}, no_shows=frozenset({str(first.visit_id)}), room_changes=[])

    called = first_call(state, office, NOW, gone.after(NOW, office), second.visit_id, talk)

    # called at 11:41, called again at 11:43 and 11:45, marked as not come at 11:47, the room free at 11:48
    assert office.policy.no_show_after_calls == 3
    assert called == NOW + timedelta(minutes=18)


def test_a_replays_conversations_are_drawn_anew_but_never_shorter_than_one_has_gone_on() -> None:
    visit = {"visit_id": "v", "ticket": "D-001", "reason": "deliver_documents"}  # 3 to 8 minutes

    lengths = [drawn(number, {"v": 7.0})(visit).minutes for number in range(20)]

    assert all(7.0 <= minutes <= 8.0 for minutes in lengths)
    assert len(set(lengths)) == len(lengths)
    assert drawn(3, {})(visit) == drawn(3, {})(visit)


def test_the_bound_is_the_median_figures_error_and_the_fullest_ten_minutes() -> None:
    spread = Spread(line_id="drop_in", actual_min=10.0, waits=[0.0, 4.0, 9.0, 30.0])

    assert spread.median == 9.0
    assert spread.least_error == (9 + 5 + 0 + 21) / 4
    assert spread.best_within == 3 / 4
