"""The office's arrivals by weekday, line and hour, and its conversations' lengths by reason and line,
learned from its own days (`history`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from visitflow_events import OfficeDayClosed, Reason, VisitKind, VisitorCheckedIn
from visitflow_offices import OSLO, Office, load_offices
from visitflow_queue.domain import OfficeQueue, check_in, fold
from visitflow_queue.domain.history import HISTORY_DAYS, ArrivalHistory, TalkHistory, folded, talks_folded

CONFIG = Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml"


def loten() -> Office:
    office = load_offices(CONFIG).office("loten")
    assert office is not None
    return office


OFFICE = loten()
MONDAY, TUESDAY = date(2026, 11, 23), date(2026, 11, 24)


def test_the_first_days_of_a_weekday_are_averaged_then_the_newest_weighs_as_one_of_four() -> None:
    history = ArrivalHistory()
    for week, count in enumerate([4, 8]):
        history = folded(history, MONDAY - timedelta(weeks=2 - week), {"drop_in": {12: count}})
    assert history.per_hour(0, "drop_in", 12) == 6.0  # the mean of 4 and 8
    assert history.per_hour(0, "drop_in", 13) == 0.0  # a known weekday's hour without any
    assert history.per_hour(0, "self_service", 12) == 0.0
    assert history.per_hour(1, "drop_in", 12) is None  # no Tuesday yet: nothing known

    for _ in range(HISTORY_DAYS - 2):
        history = folded(history, MONDAY, {"drop_in": {12: 6}})
    assert history.days == {0: HISTORY_DAYS}
    history = folded(history, MONDAY, {"drop_in": {12: 10}})
    assert history.days == {0: HISTORY_DAYS}  # no further: the newest keeps its weight
    assert history.per_hour(0, "drop_in", 12) == 6 + (10 - 6) / HISTORY_DAYS


def test_weekdays_are_learned_apart_and_hours_fallen_to_nothing_are_forgotten() -> None:
    history = folded(ArrivalHistory(), TUESDAY, {"drop_in": {9: 1}})
    for _ in range(40):
        history = folded(history, MONDAY, {"drop_in": {12: 3}})
    assert history.per_hour(1, "drop_in", 9) == 1.0  # Mondays change nothing of Tuesdays
    for _ in range(40):  # a line no longer used: its hours fade out of the stored value
        history = folded(history, TUESDAY, {})
    assert history.hourly[1] == {}
    assert history.per_hour(1, "drop_in", 9) == 0.0


def checked_in(at: datetime) -> VisitorCheckedIn:
    return VisitorCheckedIn(
        event_id=uuid4(),
        occurred_at=at,
        office_id="loten",
        correlation_id=uuid4(),
        producer="checkin",
        visit_id=uuid4(),
        business_date=at.astimezone(OSLO).date(),
        kind=VisitKind.DROP_IN,
        reason=Reason.CASE_STATUS,
        line_id="drop_in",
    )


def arrive(state: OfficeQueue, *moments: datetime) -> OfficeQueue:
    for at in moments:
        state = fold(state, check_in(state, OFFICE, checked_in(at), at, OSLO), OSLO)
    return state


def test_the_running_rate_keeps_each_lines_check_ins_of_the_last_hour() -> None:
    start = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    moments = [start + timedelta(minutes=20 * n) for n in range(7)]  # two hours, one every 20 minutes
    state = arrive(OfficeQueue(office_id="loten"), *moments)
    assert state.arrived == {"drop_in": moments[4:]}  # those less than an hour before the last

    # a check-in folded after a later one is dropped once those folded before it are
    late = arrive(state, start + timedelta(minutes=110))
    assert late.arrived["drop_in"] == [*moments[4:], start + timedelta(minutes=110)]
    later = arrive(late, start + timedelta(minutes=175))
    assert later.arrived["drop_in"] == [
        moments[6],
        start + timedelta(minutes=110),
        start + timedelta(minutes=175),
    ]


def test_the_days_check_ins_are_counted_by_the_offices_hour_and_join_the_history_when_the_next_begins() -> (
    None
):
    monday = datetime(2026, 11, 23, 11, 10, tzinfo=UTC)  # 12:10 in Oslo
    friday = arrive(OfficeQueue(office_id="loten"), monday - timedelta(days=3))  # the state's first day
    state = arrive(friday, monday, monday + timedelta(minutes=30), monday + timedelta(hours=1))
    assert state.hourly_arrivals == {"drop_in": {12: 2, 13: 1}}
    assert state.history == ArrivalHistory()  # the Friday was not counted from its start: not learned

    closed = fold(state, [OfficeDayClosed(**_day_closed(monday + timedelta(hours=5)))], OSLO)
    assert closed.hourly_arrivals == state.hourly_arrivals  # the day is over, not forgotten

    next_week = arrive(closed, monday + timedelta(weeks=1))
    assert next_week.hourly_arrivals == {"drop_in": {12: 1}}
    assert next_week.history.per_hour(0, "drop_in", 12) == 2.0
    assert next_week.history.per_hour(0, "drop_in", 13) == 1.0
    assert next_week.history.per_hour(4, "drop_in", 12) is None
    after = arrive(next_week, monday + timedelta(weeks=1, days=1))  # the Tuesday after
    assert after.history.per_hour(0, "drop_in", 12) == 1.5  # that Monday joined the first
    assert after.history.per_hour(1, "drop_in", 12) is None


def test_a_day_counted_only_in_part_is_not_learned() -> None:
    # a state stored before its day's check-ins were counted, or the first day a replay reaches
    monday = datetime(2026, 11, 23, 11, 10, tzinfo=UTC)
    state = arrive(OfficeQueue(office_id="loten"), monday - timedelta(days=3), monday)
    assert state.whole_day
    stored = state.model_dump(mode="json")
    del stored["whole_day"], stored["hourly_arrivals"]
    restored = OfficeQueue.model_validate(stored)

    later = arrive(restored, monday + timedelta(hours=3), monday + timedelta(weeks=1))

    assert later.history == ArrivalHistory()  # its 15:00 alone would say nobody comes at 12
    assert later.whole_day


def test_the_days_last_conversations_join_the_history_by_reason_and_line_when_the_next_begins() -> None:
    monday = datetime(2026, 11, 23, 11, 10, tzinfo=UTC)
    state = arrive(OfficeQueue(office_id="loten"), monday).model_copy(
        update={
            "reason_seconds": {"case_status": [300, 500]},
            "service_seconds": {"drop_in": [300, 500, 700]},
        }
    )
    assert state.talks == TalkHistory()

    tuesday = arrive(state, monday + timedelta(days=1))
    assert tuesday.reason_seconds == {}  # today's own start afresh
    assert tuesday.talks.reason("case_status") == 400.0
    assert tuesday.talks.line("drop_in") == 500.0
    assert tuesday.talks.reason("deliver_documents") is None

    talked = tuesday.model_copy(update={"reason_seconds": {"deliver_documents": [200]}})
    wednesday = arrive(talked, monday + timedelta(days=2))
    assert wednesday.talks.reason("case_status") == 400.0  # none that day: its mean stays
    assert wednesday.talks.reason("deliver_documents") == 200.0


def test_the_first_days_conversations_are_averaged_then_the_newest_weighs_as_one_of_four() -> None:
    talks = TalkHistory()
    for seconds in (400, 800):
        talks = talks_folded(talks, {"case_status": [seconds]}, {})
    assert talks.reasons["case_status"] == (600.0, 2)
    for _ in range(HISTORY_DAYS):
        talks = talks_folded(talks, {"case_status": [600]}, {})
    assert talks.reasons["case_status"] == (600.0, HISTORY_DAYS)
    talks = talks_folded(talks, {"case_status": [1000]}, {})
    assert talks.reason("case_status") == 600 + (1000 - 600) / HISTORY_DAYS


def test_the_history_survives_the_changelog() -> None:
    state = arrive(OfficeQueue(office_id="loten"), datetime(2026, 11, 16, 11, 10, tzinfo=UTC))
    state = arrive(state, datetime(2026, 11, 23, 11, 10, tzinfo=UTC))
    state = arrive(state, datetime(2026, 11, 30, 11, 10, tzinfo=UTC))
    assert state.history.days

    state = state.model_copy(update={"talks": talks_folded(TalkHistory(), {"case_status": [420]}, {})})

    stored = OfficeQueue.model_validate_json(state.model_dump_json())

    assert stored == state
    assert stored.history.per_hour(0, "drop_in", 12) == 1.0
    assert stored.talks.reason("case_status") == 420.0


def _day_closed(at: datetime) -> dict[str, object]:
    return {
        "event_id": uuid4(),
        "occurred_at": at,
        "office_id": "loten",
        "correlation_id": uuid4(),
        "producer": "queue",
        "business_date": at.astimezone(OSLO).date(),
        "closed_visits": 0,
    }


@pytest.mark.parametrize(("zone", "hour"), [(OSLO, 12), (ZoneInfo("UTC"), 11)])
def test_the_hour_is_the_offices_own(zone: ZoneInfo, hour: int) -> None:
    at = datetime(2026, 11, 23, 11, 10, tzinfo=UTC)
    state = OfficeQueue(office_id="loten")
    state = fold(state, check_in(state, OFFICE, checked_in(at), at, zone), zone)
    assert state.hourly_arrivals == {"drop_in": {hour: 1}}
