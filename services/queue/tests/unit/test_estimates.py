"""Wait estimates: the office played forward from now (rooms, conversations, arrivals, the call order)."""

from __future__ import annotations

import heapq
import math
import statistics
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from visitflow_events import Reason, VisitKind, VisitorCheckedIn, VisitorQueued, VisitStage
from visitflow_offices import OSLO, Office, Weekday, Window, load_offices
from visitflow_queue.domain import OfficeQueue, OpenVisit, check_in, fold, snapshot
from visitflow_queue.domain.appointments import Booked, DayBook, Status
from visitflow_queue.domain.estimates import (
    HORIZON,
    LATE_BACK_S,
    PAST_TALKS,
    STAFFING_HORIZON,
    TURNOVER_S,
    WALK_S,
    Arrivals,
    Forecast,
    Wait,
    _newcomer,
    _Office,
    _office,
    ahead_of,
    arrival_rates,
    booked_arrivals,
    forecast,
    mean_service_seconds,
    service_seconds,
    serving_rooms,
    staffing,
    wait_view,
)
from visitflow_queue.domain.history import ArrivalHistory, TalkHistory, folded, talks_folded
from visitflow_queue.domain.ordering import call_order_key

CONFIG = Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml"
NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # a Monday, 12:30 in Løten: drop-in is open (12-15)
DAY = date(2026, 11, 23)


def loten() -> Office:
    office = load_offices(CONFIG).office("loten")
    assert office is not None
    return office


OFFICE = loten()
DEFAULT_S = OFFICE.policy.default_service_minutes * 60  # 720
ROOMS = ["samtalerom-1", "samtalerom-2", "samtalerom-3"]
REASONS = {
    VisitKind.EMERGENCY: Reason.EMERGENCY_ASSISTANCE,
    VisitKind.APPOINTMENT: Reason.COUNSELLOR_APPOINTMENT,
    VisitKind.DROP_IN: Reason.CASE_STATUS,
}


def arrival(
    minutes: float, kind: VisitKind = VisitKind.DROP_IN, reason: Reason | None = None
) -> VisitorCheckedIn:
    reason = reason or REASONS[kind]
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


def arrive(state: OfficeQueue, *events: VisitorCheckedIn) -> OfficeQueue:
    for event in events:
        state = fold(state, check_in(state, OFFICE, event, event.occurred_at))
    return state


def with_waiting(count: int, kind: VisitKind = VisitKind.DROP_IN) -> tuple[OfficeQueue, list[UUID]]:
    events = [arrival(-count + minute, kind) for minute in range(count)]
    return arrive(OfficeQueue(office_id="loten"), *events), [e.visit_id for e in events]


def in_rooms(state: OfficeQueue, visit_ids: list[UUID], started_minutes_ago: float = 0) -> OfficeQueue:
    visits = dict(state.visits)
    started = NOW - timedelta(minutes=started_minutes_ago)
    for visit_id, room in zip(visit_ids, ROOMS, strict=False):
        visits[visit_id] = visits[visit_id].model_copy(
            update={
                "room_id": room,
                "stage": VisitStage.IN_SERVICE,
                "called_at": started,
                "started_at": started,
            }
        )
    return state.model_copy(update={"visits": visits})


def test_mean_service_time_defaults_to_the_policy_then_learns() -> None:
    state, _ = with_waiting(0)
    assert mean_service_seconds(state, OFFICE, "drop_in") == DEFAULT_S == 720

    state = state.model_copy(update={"service_seconds": {"drop_in": [300, 600, 900]}})
    assert mean_service_seconds(state, OFFICE, "drop_in") == 600


def test_rooms_free_means_no_wait_but_the_turnover_however_many_emergencies() -> None:
    # three emergencies and three free rooms: each is called as soon as a host turns to it, after the
    # office's turnover (not "54 min", and not "now": a host taps call-next when they see the visitor)
    state, visit_ids = with_waiting(3, VisitKind.EMERGENCY)

    waits = forecast(state, OFFICE, NOW)

    assert [waits.visits[v] for v in visit_ids] == [Wait(TURNOVER_S, TURNOVER_S, TURNOVER_S)] * 3
    assert waits.lines["emergency"].expected_s == TURNOVER_S
    measured = state.model_copy(update={"turnover_seconds": [10, 20]})
    assert forecast(measured, OFFICE, NOW).visits[visit_ids[0]].expected_s == 15


def test_a_visitor_waits_for_the_first_room_to_come_free() -> None:
    state, visit_ids = with_waiting(4)
    state = in_rooms(state, visit_ids[:3])  # three conversations just started, one visitor waiting

    wait = forecast(state, OFFICE, NOW).visits[visit_ids[3]]

    assert wait.expected_s == DEFAULT_S + TURNOVER_S
    assert wait.low_s < wait.expected_s < wait.high_s


def test_time_already_spent_in_conversation_shortens_the_wait() -> None:
    state, visit_ids = with_waiting(5)
    fresh = forecast(in_rooms(state, visit_ids[:3]), OFFICE, NOW).visits[visit_ids[4]]
    later = forecast(in_rooms(state, visit_ids[:3], started_minutes_ago=8), OFFICE, NOW).visits[visit_ids[4]]

    assert later.expected_s == fresh.expected_s - 8 * 60


def test_the_office_turnover_and_walk_are_learned() -> None:
    state, visit_ids = with_waiting(7)
    state = in_rooms(state, visit_ids[:3])
    slow = state.model_copy(update={"turnover_seconds": [300], "walk_seconds": [240]})

    quick_wait = forecast(state, OFFICE, NOW).visits[visit_ids[6]].expected_s
    slow_wait = forecast(slow, OFFICE, NOW).visits[visit_ids[6]].expected_s

    # the seventh waits for a room's second round: one more walk, and two turnovers
    assert slow_wait - quick_wait == (240 - WALK_S) + 2 * (300 - TURNOVER_S)


def test_a_reasons_conversation_takes_what_the_offices_past_days_say_until_todays_weigh_in() -> None:
    past = talks_folded(TalkHistory(), {"case_status": [600]}, {"drop_in": [900]})
    state = arrive(OfficeQueue(office_id="loten"), arrival(-1)).model_copy(update={"talks": past})

    assert service_seconds(state, OFFICE, "drop_in", Reason.CASE_STATUS) == 600  # not the default 720
    assert mean_service_seconds(state, OFFICE, "drop_in") == 900  # an expected arrival's, reason unknown
    assert service_seconds(state, OFFICE, "drop_in", Reason.DELIVER_DOCUMENTS) == 900  # no past: the line's

    today = state.model_copy(update={"reason_seconds": {"case_status": [300, 300, 300]}})
    # the past days' mean counts as PAST_TALKS of today's
    expected = (3 * 300 + PAST_TALKS * 600) / (3 + PAST_TALKS)
    assert service_seconds(today, OFFICE, "drop_in", Reason.CASE_STATUS) == pytest.approx(expected)


def test_conversation_length_by_reason() -> None:
    documents = arrival(-5, reason=Reason.DELIVER_DOCUMENTS)
    events = [arrival(-10 + m) for m in range(3)] + [documents, arrival(-4), arrival(-3), arrival(-1)]
    state = in_rooms(arrive(OfficeQueue(office_id="loten"), *events), [e.visit_id for e in events[:3]])
    short = state.model_copy(update={"reason_seconds": {"deliver_documents": [120]}})
    last = events[-1].visit_id

    # three called as the rooms come free; the last after the first of them, the short documents talk
    before = forecast(state, OFFICE, NOW).visits[last].expected_s
    after = forecast(short, OFFICE, NOW).visits[last].expected_s
    assert before - after == DEFAULT_S - 120


def test_later_arrivals_of_higher_priority_overtake_the_self_service_line() -> None:
    state, visit_ids = with_waiting(3)
    state = in_rooms(state, visit_ids)
    helped = arrival(-1, reason=Reason.SELF_SERVICE_HELP)
    state = arrive(state, helped)
    busy = state.model_copy(
        update={"arrived": {"drop_in": [NOW - timedelta(minutes=m) for m in range(0, 60, 3)]}}
    )

    quiet_wait = forecast(state, OFFICE, NOW).visits[helped.visit_id].expected_s
    busy_wait = forecast(busy, OFFICE, NOW).visits[helped.visit_id].expected_s

    assert busy_wait > quiet_wait
    # yet never past the office's limit by much: then they go first (ageing)
    limit = OFFICE.policy.max_wait_minutes * 60
    assert busy_wait <= limit + DEFAULT_S + WALK_S + TURNOVER_S


def test_no_drop_in_arrivals_after_the_window() -> None:
    state, _ = with_waiting(0)
    state = state.model_copy(update={"arrived": {"drop_in": [NOW - timedelta(minutes=10)]}})
    open_window = {a.line_id for a in arrival_rates(state, OFFICE, NOW)}
    after_window = {a.line_id for a in arrival_rates(state, OFFICE, NOW + timedelta(hours=3))}  # 15:30

    assert "drop_in" in open_window
    assert "drop_in" not in after_window


def test_the_running_rate_starts_from_the_configured_one_and_follows_arrivals() -> None:
    state, _ = with_waiting(0)
    at_start = NOW - timedelta(minutes=30)  # 12:00, drop-in opens
    (prior,) = [a for a in arrival_rates(state, OFFICE, at_start) if a.line_id == "drop_in"]
    # 15 drop-ins a day over three hours, shared by the two drop-in lines
    assert round(prior.per_s * 3600, 2) == 2.5

    busy = state.model_copy(update={"arrived": {"drop_in": [NOW - timedelta(minutes=m) for m in range(30)]}})
    (seen,) = [a for a in arrival_rates(busy, OFFICE, NOW) if a.line_id == "drop_in"]
    assert seen.per_s * 3600 == (30 + 2.5 * 0.5) / (0.5 + 0.5)


def test_the_offices_past_days_give_each_line_its_rate_by_the_hour() -> None:
    state, _ = with_waiting(0)
    mondays = ArrivalHistory()
    for _ in range(2):  # two past Mondays: six drop-ins at 12, twelve at 13, three at 14, none helped
        mondays = folded(
            mondays, DAY, {"drop_in": {12: 6, 13: 12, 14: 3}, "emergency": {12: 4}, "appointment": {15: 2}}
        )
    learned = state.model_copy(update={"history": mondays})

    flows = {a.line_id: a for a in arrival_rates(learned, OFFICE, NOW)}  # 12:30, drop-in opened at 12

    drop_in = flows["drop_in"]
    # the hour's six a day in place of the configured 2.5, seen as half an hour of nothing yet
    assert drop_in.per_s * 3600 == (0 + 6 * 0.5) / (0.5 + 0.5)
    assert [(at, round(per_s * 3600, 9)) for at, per_s in drop_in.later] == [(0, 6), (1800, 12), (5400, 3)]
    assert "self_service" not in flows  # the configured rate shared it half and half; none came
    # appointments come as booked, emergencies with an incident (BURST_WINDOW): neither by the hour
    assert "appointment" not in flows
    assert "emergency" not in flows
    # another weekday knows nothing of Mondays
    tuesday = state.model_copy(update={"history": folded(ArrivalHistory(), DAY + timedelta(days=1), {})})
    assert {a.line_id for a in arrival_rates(tuesday, OFFICE, NOW)} == {"drop_in", "self_service"}


def test_an_hour_the_window_holds_in_part_has_its_past_arrivals_in_that_part() -> None:
    state, _ = with_waiting(0)
    mondays = folded(ArrivalHistory(), DAY, {"drop_in": {12: 6, 13: 12, 14: 3}})
    learned = state.model_copy(update={"history": mondays})
    until_14_30 = OFFICE.model_copy(
        update={"drop_in": (Window(days=(Weekday.MON,), start=time(12), end=time(14, 30)),)}
    )

    (drop_in, *_) = arrival_rates(learned, until_14_30, NOW)

    # the three of 14:00 came in the half hour the window was open: six an hour
    assert [(at, round(per_s * 3600, 9)) for at, per_s in drop_in.later] == [(0, 6), (1800, 12), (5400, 6)]


def test_a_learned_rate_brings_its_arrivals_in_at_the_hours_it_says() -> None:
    state, _ = with_waiting(0)
    mondays = folded(ArrivalHistory(), DAY, {"drop_in": {12: 0, 13: 0, 14: 4}})
    (drop_in,) = arrival_rates(state.model_copy(update={"history": mondays}), OFFICE, NOW)

    # nothing expected before 14:00 (the running rate's hour sees nobody), then four in that hour
    until_15 = (drop_in.until - NOW).total_seconds()
    assert drop_in.times(until_15) == pytest.approx([5400 + 450, 5400 + 1350, 5400 + 2250, 5400 + 3150])


def test_a_rare_arrival_is_expected_once_its_hours_add_up_to_half_of_one() -> None:
    hours = tuple((h * 3600.0, 0.25 / 3600) for h in range(6))
    rare = Arrivals("drop_in", VisitKind.DROP_IN, 0.0, NOW + timedelta(hours=6), hours)
    # a quarter of one an hour after the running rate's hour (none): half of one by three hours from
    # now, though no single hour expects one
    assert rare.times(6 * 3600) == pytest.approx([3 * 3600])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=-7200, max_value=600), max_size=40))
def test_the_running_rate_counts_the_windows_check_ins_in_whatever_order_they_were_kept(
    seconds: list[int],
) -> None:
    """The count is of the check-ins after the window's start and not after now, ends included as
    such, kept in any order (a late event folds an earlier check-in after a later one)."""
    state, _ = with_waiting(0)
    moments = [NOW + timedelta(seconds=s) for s in seconds]
    window = timedelta(hours=1)
    counted = sum(1 for at in moments if NOW - window < at <= NOW)
    busy = state.model_copy(update={"arrived": {"drop_in": moments}})

    (seen,) = [a for a in arrival_rates(busy, OFFICE, NOW) if a.line_id == "drop_in"]

    assert seen.per_s * 3600 == pytest.approx((counted + 2.5 * 0.5) / (0.5 + 0.5))  # per hour, in floats


def test_emergencies_go_before_drop_ins() -> None:
    state, visit_ids = with_waiting(6)
    state = in_rooms(state, visit_ids[:3])
    urgent = arrival(0, VisitKind.EMERGENCY)
    state = arrive(state, urgent)

    waits = forecast(state, OFFICE, NOW).visits

    assert waits[urgent.visit_id].expected_s <= waits[visit_ids[3]].expected_s
    assert waits[urgent.visit_id].expected_s < waits[visit_ids[5]].expected_s  # a round later
    assert ahead_of(state, OFFICE, state.visits[urgent.visit_id]) == 0


def test_the_check_in_answer_is_the_lines_figure_and_the_visitors_on_every_screen() -> None:
    state, visit_ids = with_waiting(5)
    state = in_rooms(state, visit_ids[:3])
    event = arrival(0)

    (queued,) = check_in(state, OFFICE, event, NOW)
    assert isinstance(queued, VisitorQueued)
    picture = snapshot(fold(state, [queued]), OFFICE, now=NOW)
    line = next(line for line in picture["lines"] if line["line_id"] == "drop_in")

    assert queued.estimated_wait_s > 0
    assert line["expected_wait_s"] == queued.estimated_wait_s
    assert picture["waits"][str(event.visit_id)]["expected_wait_s"] == queued.estimated_wait_s
    assert serving_rooms(state, OFFICE) == 3  # Løten's conversation rooms


kinds = st.sampled_from([VisitKind.DROP_IN, VisitKind.DROP_IN, VisitKind.APPOINTMENT, VisitKind.EMERGENCY])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(kinds, st.integers(min_value=0, max_value=120)), max_size=25),
    st.integers(min_value=0, max_value=3),
    st.integers(min_value=0, max_value=30),
)
def test_estimates_are_bounded_ranged_and_first_come_first_served_within_a_line(
    visitors: list[tuple[VisitKind, int]], busy_rooms: int, minutes_in: int
) -> None:
    events = [arrival(-minutes, kind) for kind, minutes in sorted(visitors, key=lambda v: -v[1])]
    state = arrive(OfficeQueue(office_id="loten"), *events)
    in_order = sorted(state.waiting(), key=lambda v: (v.checked_in_at, v.ticket))
    state = in_rooms(state, [v.visit_id for v in in_order[:busy_rooms]], minutes_in)

    waits = forecast(state, OFFICE, NOW)

    assert set(waits.visits) == {v.visit_id for v in state.waiting()}
    for wait in waits.visits.values():
        assert 0 <= wait.low_s <= wait.expected_s <= wait.high_s
        assert wait.expected_s <= HORIZON.total_seconds()
    waiting = sorted(state.waiting(), key=lambda v: (v.checked_in_at, v.ticket))
    for line in ("drop_in", "emergency"):
        line_waits = [waits.visits[v.visit_id].expected_s for v in waiting if v.line_id == line]
        assert line_waits == sorted(line_waits)


def test_the_range_holds_the_paces_own_uncertainty_which_every_call_ahead_shares() -> None:
    # conversations of 10 and 14 minutes: a mean of ten of them may be off from the next ones' by about
    # their spread over sqrt(11), and that error is the same for every call ahead of a visitor, so it
    # grows with the wait where the conversations' own spread evens out over the calls and the rooms
    state, visit_ids = with_waiting(12)
    ten = state.model_copy(update={"service_seconds": {"drop_in": [600, 840] * 5}})
    four = state.model_copy(update={"service_seconds": {"drop_in": [600, 840] * 2}})

    last = forecast(ten, OFFICE, NOW).visits[visit_ids[-1]]
    sooner = forecast(four, OFFICE, NOW).visits[visit_ids[-1]]

    pace = (120 / 720) / math.sqrt(10 + 1)
    assert last.high_s - last.expected_s >= pace * (last.expected_s - TURNOVER_S) - 1
    assert last.expected_s - last.low_s >= pace * (last.expected_s - TURNOVER_S) - 1
    # the same conversations, known from four: the same figure, said less surely
    assert sooner.expected_s == last.expected_s
    assert sooner.high_s - sooner.low_s > last.high_s - last.low_s


def test_a_room_out_of_service_counts_no_more() -> None:
    state, visit_ids = with_waiting(5)
    all_in = forecast(state, OFFICE, NOW).visits[visit_ids[4]]
    lunch = state.model_copy(update={"closed_rooms": frozenset({"samtalerom-3"})})

    without = forecast(lunch, OFFICE, NOW).visits[visit_ids[4]]

    assert serving_rooms(lunch, OFFICE) == 2
    cycle = WALK_S + DEFAULT_S + TURNOVER_S
    # the three free rooms call after the turnover; the fifth is in the second round of three rooms
    assert all_in.expected_s == TURNOVER_S + cycle
    assert without.expected_s == TURNOVER_S + 2 * cycle  # the third round of two


def test_a_room_closed_until_a_time_is_expected_back_then() -> None:
    state, visit_ids = with_waiting(5)
    cycle = WALK_S + DEFAULT_S + TURNOVER_S
    further_notice = state.model_copy(update={"closed_rooms": frozenset({"samtalerom-3"})})
    lunch = further_notice.model_copy(update={"closed_until": {"samtalerom-3": NOW + timedelta(minutes=20)}})

    # two rooms take the first four in two rounds; the fifth gets samtalerom-3 when it is back
    assert forecast(further_notice, OFFICE, NOW).visits[visit_ids[4]].expected_s == TURNOVER_S + 2 * cycle
    assert forecast(lunch, OFFICE, NOW).visits[visit_ids[4]].expected_s == 20 * 60
    # still closed after the time its host said: expected back in a minute (for the third), not never
    late = further_notice.model_copy(update={"closed_until": {"samtalerom-3": NOW - timedelta(minutes=10)}})
    assert forecast(late, OFFICE, NOW).visits[visit_ids[2]].expected_s == LATE_BACK_S


def test_every_room_closed_but_one_expected_back_gives_a_figure_from_then() -> None:
    state, visit_ids = with_waiting(2)
    closed = state.model_copy(
        update={"closed_rooms": frozenset(ROOMS), "closed_until": {ROOMS[0]: NOW + timedelta(minutes=30)}}
    )

    waits = forecast(closed, OFFICE, NOW).visits

    assert waits[visit_ids[0]] == Wait(expected_s=30 * 60, low_s=30 * 60, high_s=30 * 60)
    assert waits[visit_ids[1]].expected_s == 30 * 60 + WALK_S + DEFAULT_S + TURNOVER_S


def test_every_room_closed_says_no_room_open_not_a_ceiling() -> None:
    state, visit_ids = with_waiting(5)
    closed = state.model_copy(update={"closed_rooms": frozenset(ROOMS)})

    waits = forecast(closed, OFFICE, NOW)

    assert all(wait.no_room for wait in [*waits.visits.values(), *waits.lines.values()])
    assert wait_view(waits.visits[visit_ids[0]])["no_room"] is True
    # one room open again: a figure, not "no room open"
    one_open = state.model_copy(update={"closed_rooms": frozenset(ROOMS[1:])})
    assert not any(wait.no_room for wait in forecast(one_open, OFFICE, NOW).visits.values())
    # the lead still sees what opening one would give
    assert [(o.rooms, o.as_now) for o in staffing(closed, OFFICE, NOW)] == [(1, False)]


def test_the_staffing_hint_says_the_next_hours_wait_with_a_room_more_or_less() -> None:
    state, visit_ids = with_waiting(6)
    state = in_rooms(state, visit_ids[:3])
    busy = state.model_copy(
        update={"arrived": {"drop_in": [NOW - timedelta(minutes=m) for m in range(0, 60, 4)]}}
    )

    hint = {option.rooms: option.expected_wait_s for option in staffing(busy, OFFICE, NOW)}

    assert set(hint) == {2, 3, 4}
    waits = [hint[2], hint[3], hint[4]]
    assert all(wait is not None for wait in waits)
    assert waits[0] > waits[1] > waits[2]  # type: ignore[operator]


def test_the_staffing_hint_expects_nobody_when_the_office_has_closed() -> None:
    state, _ = with_waiting(2)
    closed = NOW + timedelta(hours=4)  # 16:30: nobody arrives any more

    assert {option.expected_wait_s for option in staffing(state, OFFICE, closed)} == {None}


def test_a_burst_of_emergencies_is_expected_to_go_on_for_a_quarter_of_an_hour_not_all_day() -> None:
    state, visit_ids = with_waiting(25)
    state = in_rooms(state, visit_ids[:3])
    burst = state.model_copy(
        update={"arrived": {**state.arrived, "emergency": [NOW - timedelta(minutes=4 * m) for m in range(8)]}}
    )
    waiting = visit_ids[3:]  # the last called in about two hours

    calm = forecast(state, OFFICE, NOW).visits
    after_burst = forecast(burst, OFFICE, NOW).visits
    later = [after_burst[v].expected_s - calm[v].expected_s for v in waiting]

    # the next quarter hour's emergency overtakes (a round later for some); after that, none again
    assert min(later) >= 0
    assert statistics.fmean(later) > 0
    assert max(later) <= 15 * 60


def test_once_a_quarter_of_an_hour_passes_without_an_emergency_the_burst_is_over() -> None:
    state, visit_ids = with_waiting(25)
    state = in_rooms(state, visit_ids[:3])
    ended = [NOW - timedelta(minutes=16 + 4 * m) for m in range(8)]  # eight, the last 16 minutes ago
    burst = state.model_copy(update={"arrived": {**state.arrived, "emergency": ended}})

    assert "emergency" not in {a.line_id for a in arrival_rates(burst, OFFICE, NOW)}
    assert forecast(burst, OFFICE, NOW) == forecast(state, OFFICE, NOW)
    # drop-ins are a steady stream: the same check-ins still count for the next hour
    steady = state.model_copy(update={"arrived": {"drop_in": ended}})
    (drop_in,) = [a for a in arrival_rates(steady, OFFICE, NOW) if a.line_id == "drop_in"]
    assert drop_in.per_s * 3600 == (8 + 2.5 * 0.5) / (0.5 + 0.5)  # drop-in opened half an hour ago


def test_an_emergency_burst_is_expected_at_the_rate_of_its_last_quarter_of_an_hour() -> None:
    state, _ = with_waiting(0)
    burst = state.model_copy(
        update={"arrived": {"emergency": [NOW - timedelta(minutes=4 * m) for m in range(8)]}}
    )
    (emergency,) = [a for a in arrival_rates(burst, OFFICE, NOW) if a.line_id == "emergency"]

    # four of the eight in the last quarter hour, with no configured rate seen for half an hour
    assert emergency.per_s * 3600 == 4 / (0.25 + 0.5)
    assert len(emergency.times(3600)) == 1  # one more expected within the quarter hour, none after


def reference_play(played: _Office, waiting: list[OpenVisit], wanted: set[UUID]) -> dict[UUID, Wait]:
    """The play as the model says it, plainly: each call scans everyone waiting for the first in the
    call order at that moment."""
    rooms = played.free_at()
    if not rooms:
        return dict.fromkeys(wanted, Wait(expected_s=0, low_s=0, high_s=0, no_room=True))
    heapq.heapify(rooms)
    arrivals = played.arrivals
    real = {visit.visit_id for visit in waiting}
    queue = list(waiting)
    coming, overtakers, mean_cycle = 0, 0, 0.0
    found: dict[UUID, Wait] = {}
    while wanted - found.keys() and rooms:
        t, variance, busy = heapq.heappop(rooms)
        while coming < len(arrivals) and arrivals[coming].at <= t:
            queue.append(arrivals[coming].visit(played.now))
            coming += 1
        if not queue:
            if coming >= len(arrivals):
                break
            heapq.heappush(rooms, (arrivals[coming].at, 0.0, 0.0))
            continue
        at = played.now + timedelta(seconds=t)
        visit = min(queue, key=lambda v: call_order_key(played.office, v, at))
        queue.remove(visit)
        if visit.visit_id in wanted:
            found[visit.visit_id] = played._wait(t, variance, busy, overtakers, mean_cycle)
        if t > HORIZON.total_seconds():
            break
        hypothetical = visit.visit_id not in real
        cycle, spread = played.cycle(visit.line_id, None if hypothetical else visit.reason)
        overtakers += hypothetical
        mean_cycle = cycle if not mean_cycle else 0.8 * mean_cycle + 0.2 * cycle
        heapq.heappush(rooms, (t + cycle, variance + spread, busy + cycle))
    ceiling = int(HORIZON.total_seconds())
    return found | {v: Wait(expected_s=ceiling, low_s=ceiling, high_s=ceiling) for v in wanted - found.keys()}


def reference_forecast(state: OfficeQueue, office: Office, now: datetime) -> Forecast:
    played = _office(state, office, now, OSLO)
    waiting = state.waiting()
    visits = reference_play(played, waiting, {visit.visit_id for visit in waiting})
    lines: dict[str, Wait] = {}
    for line in office.lines:
        in_line = [v for v in waiting if v.line_id == line.id]
        if in_line:
            lines[line.id] = visits[max(in_line, key=lambda v: call_order_key(office, v, now)).visit_id]
        else:
            joining = _newcomer(line.id, line.kind, now, 0)
            lines[line.id] = reference_play(played, [*waiting, joining], {joining.visit_id})[joining.visit_id]
    return Forecast(visits=visits, lines=lines)


def reference_staffing(state: OfficeQueue, office: Office, now: datetime) -> list[tuple[int, int | None]]:
    base = _office(state, office, now, OSLO)
    coming = [expected for expected in base.arrivals if expected.at < STAFFING_HORIZON.total_seconds()]
    result = []
    for change in (-1, 0, 1):
        rooms = serving_rooms(state, office) + change
        if rooms >= 1:
            played = replace(base, rooms=rooms, room_change=change)
            called = reference_play(played, state.waiting(), {expected.visit_id for expected in coming})
            waits = [called[expected.visit_id].expected_s - expected.at for expected in coming]
            result.append((rooms, round(statistics.fmean(waits)) if waits else None))
    return result


LINE_KINDS = {line.id: line.kind for line in OFFICE.lines}
visitors = st.lists(
    st.tuples(
        st.sampled_from(sorted(LINE_KINDS)),
        st.integers(min_value=0, max_value=240),  # minutes since check-in: many past the ageing limit
        st.integers(min_value=-60, max_value=60),  # an appointment's time from now
        st.booleans(),  # on hold
        st.sampled_from([None, *ROOMS]),  # in a room (in conversation for so many minutes) or waiting
        st.sampled_from(list(Reason)),
    ),
    max_size=40,
)


@st.composite
def offices_at_a_moment(draw: st.DrawFn) -> tuple[OfficeQueue, Office, datetime]:
    """An office day at a random moment (drop-in open, ending or over) with every kind of visitor."""
    office = OFFICE.model_copy(
        update={
            "policy": OFFICE.policy.model_copy(update={"max_wait_minutes": draw(st.sampled_from([10, 45]))})
        }
    )
    now = NOW + timedelta(minutes=draw(st.integers(min_value=-240, max_value=200)))
    visits: dict[UUID, OpenVisit] = {}
    occupied: set[str] = set()
    for n, (line_id, waited, booked, held, room, reason) in enumerate(draw(visitors)):
        room = room if room not in occupied else None
        occupied |= {room} if room else set()
        visit = OpenVisit(
            visit_id=UUID(int=10**9 + n),  # not an expected arrival's
            ticket=f"A-{n:03d}",
            line_id=line_id,
            kind=LINE_KINDS[line_id],
            reason=reason,
            checked_in_at=now - timedelta(minutes=waited % 100 if room else waited),
            appointment_at=now + timedelta(minutes=booked) if line_id == "appointment" else None,
            held=held and room is None,
            stage=VisitStage.IN_SERVICE if room else VisitStage.WAITING,
            room_id=room,
            called_at=now - timedelta(minutes=waited % 30) if room else None,
            started_at=now - timedelta(minutes=waited % 30) if room and held else None,
        )
        visits[visit.visit_id] = visit
    recent = st.lists(st.integers(min_value=60, max_value=1800), max_size=4)
    state = OfficeQueue(
        office_id="loten",
        visits=visits,
        closed_rooms=frozenset(draw(st.sets(st.sampled_from(ROOMS)))),
        service_seconds=draw(st.dictionaries(st.sampled_from(sorted(LINE_KINDS)), recent)),
        reason_seconds=draw(st.dictionaries(st.sampled_from([r.value for r in Reason]), recent)),
        walk_seconds=draw(recent),
        turnover_seconds=draw(recent),
        arrived={
            line_id: [now - timedelta(minutes=m) for m in draw(st.lists(st.integers(0, 59), max_size=30))]
            for line_id in draw(st.sets(st.sampled_from(sorted(LINE_KINDS))))
        },
    )
    return state, office, now


@settings(max_examples=300, deadline=None)
@given(offices_at_a_moment())
def test_the_forecast_and_the_staffing_hint_are_those_of_the_plain_model(
    moment: tuple[OfficeQueue, Office, datetime],
) -> None:
    state, office, now = moment

    assert forecast(state, office, now) == reference_forecast(state, office, now)
    hint = [(option.rooms, option.expected_wait_s) for option in staffing(state, office, now)]
    assert hint == reference_staffing(state, office, now)


def booking(reference: str, starts_at: datetime, arrived_minutes_early: float | None = None) -> Booked:
    arrived_at = (
        None if arrived_minutes_early is None else starts_at - timedelta(minutes=arrived_minutes_early)
    )
    return Booked(
        booking_id=reference,
        counsellor_id="veileder-1",
        starts_at=starts_at,
        duration_minutes=30,
        reason=Reason.COUNSELLOR_APPOINTMENT,
        status=Status.BOOKED if arrived_at is None else Status.ARRIVED,
        arrived_at=arrived_at,
    )


def day_of(*bookings: Booked, missed: int = 0) -> DayBook:
    gone = [
        booking(f"missed-{n}", NOW - timedelta(hours=2)).model_copy(update={"status": Status.MISSED})
        for n in range(missed)
    ]
    return DayBook(
        office_id="loten", business_date=DAY, bookings={b.booking_id: b for b in [*bookings, *gone]}
    )


EARLIER = NOW - timedelta(hours=1)
CAME = [booking(f"came-{m}", EARLIER, m) for m in (10, 5, 0)]  # the day's: 10, 5 and 0 minutes early


def test_a_booking_is_spread_over_the_days_earliness_and_the_kth_expected_at_k_less_a_half() -> None:
    # three bookings at 13:00; the day's three booked visitors came 10, 5 and 0 minutes early and none
    # missed, so one in five is taken not to come ((0 + 1) / (3 + 2)): each booking has 4/15 of a
    # visitor at 12:50, 12:55 and 13:00; 0.8 by 12:50, 1.6 by 12:55, 2.4 by 13:00 (short of 2.5)
    at_one = NOW + timedelta(minutes=30)
    day = day_of(*CAME, booking("a", at_one), booking("b", at_one), booking("c", at_one))

    expected = booked_arrivals(day, OFFICE, NOW)

    assert [(e.at, e.line_id, e.appointment_at) for e in expected] == [
        (20 * 60.0, "appointment", at_one),
        (25 * 60.0, "appointment", at_one),
    ]


def test_a_booked_visitor_later_than_the_days_usual_is_expected_mid_grace_if_more_likely_than_not() -> None:
    # a booking at 12:25, five minutes ago, later than every booked visitor of the day: it may still
    # come (within the grace period, to 12:40) or not at all. On a day none has missed, more likely
    # than not: expected halfway to the grace period's end (12:35), not at once; on a day one of four
    # settled was missed, less likely: not expected
    late = booking("late", NOW - timedelta(minutes=5))
    grace_s = OFFICE.policy.appointment_grace_minutes * 60.0
    assert [e.at for e in booked_arrivals(day_of(*CAME, late), OFFICE, NOW)] == [(grace_s - 5 * 60) / 2]
    assert booked_arrivals(day_of(*CAME, late, missed=1), OFFICE, NOW) == []

    state, visit_ids = with_waiting(1)
    assert forecast(state, OFFICE, NOW, day=day_of(*CAME, late)).visits[visit_ids[0]].expected_s == TURNOVER_S


def test_the_days_bookings_replace_the_appointment_lines_running_rate() -> None:
    # three rooms in conversation and three drop-ins waiting: each is called as the three rooms come
    # free; two appointments booked for 12:40, their visitors expected at 12:35 (1.6 of them: one in
    # five taken not to come, so both), so they go before the drop-ins and the last drop-in waits for
    # a room's next conversation
    state, visit_ids = with_waiting(6)
    state = in_rooms(state, visit_ids[:3])
    last = visit_ids[5]
    rooms_free = forecast(state, OFFICE, NOW).visits[last].expected_s
    came = [booking(f"came-{n}", EARLIER, 5) for n in range(3)]
    soon = NOW + timedelta(minutes=10)
    booked = day_of(booking("soon", soon), booking("soon-too", soon), *came)

    with_booking = forecast(state, OFFICE, NOW, day=booked).visits[last].expected_s

    assert [e.at for e in booked_arrivals(booked, OFFICE, NOW)] == [5 * 60.0, 5 * 60.0]
    assert rooms_free == DEFAULT_S + TURNOVER_S
    assert with_booking > rooms_free + DEFAULT_S


def test_the_staffing_hint_counts_the_bookings_to_come() -> None:
    # rooms busy for twelve minutes, four booked visitors coming in ten to thirteen
    state, visit_ids = with_waiting(3)
    state = in_rooms(state, visit_ids)
    came = [booking(f"came-{n}", EARLIER, 5) for n in range(3)]
    booked = day_of(*[booking(f"b{n}", NOW + timedelta(minutes=10 + n)) for n in range(4)], *came)

    def hint(day: DayBook | None) -> int | None:
        options = staffing(state, OFFICE, NOW, day=day)
        return next(option.expected_wait_s for option in options if option.as_now)

    without, with_bookings = hint(None), hint(booked)
    assert without is not None
    assert with_bookings is not None
    assert with_bookings > without  # the booked visitors go before the drop-ins expected


@st.composite
def office_days_at_a_moment(draw: st.DrawFn) -> tuple[OfficeQueue, Office, datetime, DayBook]:
    """`offices_at_a_moment` with the day's bookings: some to come, some come, some missed."""
    state, office, now = draw(offices_at_a_moment())
    bookings = [
        booking(f"b-{n}", now + timedelta(minutes=starts), early)
        for n, (starts, early) in enumerate(
            draw(
                st.lists(
                    st.tuples(
                        st.integers(min_value=-90, max_value=240),
                        st.one_of(st.none(), st.integers(min_value=-10, max_value=30)),
                    ),
                    max_size=12,
                )
            )
        )
    ]
    return state, office, now, day_of(*bookings, missed=draw(st.integers(min_value=0, max_value=2)))


@settings(max_examples=200, deadline=None)
@given(office_days_at_a_moment())
def test_one_play_with_the_joiners_taking_no_room_gives_each_its_own_plays_call(
    moment: tuple[OfficeQueue, Office, datetime, DayBook],
) -> None:
    """Every line's joiner in the play of those waiting, and when one is called the room going to the
    next, give each joiner the call one play with only that joiner added gave, and everyone else theirs,
    with the day's bookings expected too."""
    state, office, now, day = moment
    played = _office(state, office, now, OSLO, day)
    waiting = state.waiting()
    joining = [_newcomer(line.id, line.kind, now, 0) for line in office.lines]
    visits, joined = played.play_all(waiting, None, joining)

    assert visits == reference_play(played, waiting, {visit.visit_id for visit in waiting})
    assert joined == [
        reference_play(played, [*waiting, joiner], {joiner.visit_id})[joiner.visit_id] for joiner in joining
    ]
    lines = {line.id: wait for line, wait in zip(office.lines, joined, strict=True)}
    for line_id, wait in forecast(state, office, now, OSLO, day).lines.items():
        if not any(visit.line_id == line_id for visit in waiting):
            assert wait == lines[line_id]


def test_a_booked_visitor_expected_early_waits_from_their_start_behind_an_earlier_appointment() -> None:
    """Two bookings at 12:45 make booked visitors expected at 12:35 and 12:45 (the day's earliness);
    the room comes free at 12:41:30 and goes to the visitor waiting for 12:42, whose appointment is
    earlier than the expected ones', not to the one who came earlier."""
    waiting = OpenVisit(
        visit_id=uuid4(),
        ticket="T-001",
        line_id="appointment",
        kind=VisitKind.APPOINTMENT,
        reason=Reason.COUNSELLOR_APPOINTMENT,
        checked_in_at=NOW - timedelta(minutes=5),
        appointment_at=NOW + timedelta(minutes=12),
    )
    state, ids = with_waiting(1)  # in samtalerom-1 since a minute: free in 11 minutes and a turnover
    state = in_rooms(state, ids, started_minutes_ago=1).model_copy(
        update={"closed_rooms": frozenset(ROOMS[1:])}
    )
    state = state.model_copy(update={"visits": {**state.visits, waiting.visit_id: waiting}})
    starts = NOW + timedelta(minutes=15)
    day = day_of(*CAME, booking("one", starts), booking("two", starts))
    assert [a.at for a in _office(state, OFFICE, NOW, OSLO, day).arrivals if a.appointment_at] == [
        300.0,
        900.0,
    ]

    assert forecast(state, OFFICE, NOW, OSLO, day).visits[waiting.visit_id].expected_s == 11 * 60 + TURNOVER_S


@given(
    st.integers(min_value=0, max_value=10 * 3600),
    st.integers(min_value=0, max_value=10 * 3600),
    st.integers(min_value=0, max_value=10 * 3600),
    st.booleans(),
)
def test_a_waits_figures_in_plain_numbers_are_said_as_the_event_carrying_them_says_them(
    first: int, second: int, third: int, no_room: bool
) -> None:
    low, expected, high = sorted((first, second, third))
    wait = Wait(expected, low, high, no_room)

    event = wait.event()
    view = wait_view(wait)

    assert (event.expected_s, event.low_s, event.high_s, event.no_room) == (expected, low, high, no_room)
    assert (view["minutes"], view["minutes_to"]) == event.said()
    assert (view["expected_wait_s"], view["low_s"], view["high_s"]) == (expected, low, high)
    assert view.get("no_room", False) is no_room
