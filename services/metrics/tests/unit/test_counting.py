"""How visit events count: the flat counters each event moves, and an office's day built from them
(each visit counted once however often its events arrive)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from visitflow_events import (
    Alternative,
    CancelCause,
    Event,
    FollowUpResolved,
    OfficeDayClosed,
    Outcome,
    Reason,
    RedirectCause,
    ServiceCompleted,
    ServiceStarted,
    VisitCancelled,
    VisitCarriedOver,
    VisitClosedAtDayEnd,
    VisitHeld,
    VisitKind,
    VisitorCalled,
    VisitorCheckedIn,
    VisitorNoShow,
    VisitorQueued,
    VisitRedirected,
    VisitRestored,
    VisitStage,
    VisitTransferred,
)
from visitflow_metrics.domain import DayRules, OfficeDay, OfficeDays, apply, counter_increments, kpis
from visitflow_offices import load_offices
from visitflow_platform.settings import DEFAULT_OFFICES_FILE

NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # 12:30 in Oslo
DAY = date(2026, 11, 23)


def envelope(at: datetime = NOW) -> dict[str, Any]:
    return {
        "event_id": uuid4(),
        "occurred_at": at,
        "office_id": "loten",
        "correlation_id": uuid4(),
        "producer": "test",
    }


def visit(visit_id: UUID | None = None, at: datetime = NOW) -> dict[str, Any]:
    return {**envelope(at), "visit_id": visit_id or uuid4(), "business_date": DAY}


def ticketed(visit_id: UUID | None = None, at: datetime = NOW) -> dict[str, Any]:
    return {**visit(visit_id, at), "ticket": "D-001"}


def checked_in(visit_id: UUID, reason: Reason = Reason.CASE_STATUS, at: datetime = NOW) -> VisitorCheckedIn:
    return VisitorCheckedIn(**visit(visit_id, at), kind=VisitKind.DROP_IN, reason=reason, line_id="drop_in")


def queued(visit_id: UUID | None = None, at: datetime = NOW, line_id: str = "drop_in") -> VisitorQueued:
    return VisitorQueued(
        **ticketed(visit_id, at),
        kind=VisitKind.DROP_IN,
        reason=Reason.CASE_STATUS,
        line_id=line_id,
        checked_in_at=at,
        position=1,
        estimated_wait_s=0,
    )


def called(
    call_number: int = 1, visit_id: UUID | None = None, after: timedelta = timedelta()
) -> VisitorCalled:
    return VisitorCalled(
        **ticketed(visit_id, NOW + after), line_id="drop_in", room_id="samtalerom-1", call_number=call_number
    )


def completed(visit_id: UUID, after: timedelta) -> ServiceCompleted:
    return ServiceCompleted(**ticketed(visit_id, NOW + after), room_id="samtalerom-1", outcome=Outcome.SERVED)


def test_a_drop_in_check_in_counts_an_arrival_a_drop_in_and_its_reason() -> None:
    event = VisitorCheckedIn(
        **visit(), kind=VisitKind.DROP_IN, reason=Reason.DELIVER_DOCUMENTS, line_id="drop_in"
    )

    assert counter_increments(event) == {
        "arrivals": 1,
        "kind:drop_in": 1,
        "reason:deliver_documents": 1,
        "drop_ins": 1,
        "drop_in_reason:deliver_documents": 1,
    }


def test_an_appointment_is_no_drop_in() -> None:
    event = VisitorCheckedIn(
        **visit(), kind=VisitKind.APPOINTMENT, reason=Reason.COUNSELLOR_APPOINTMENT, line_id="appointment"
    )

    assert counter_increments(event) == {
        "arrivals": 1,
        "kind:appointment": 1,
        "reason:counsellor_appointment": 1,
    }


def test_a_redirect_counts_an_arrival_and_where_to() -> None:
    event = VisitRedirected(
        **visit(),
        kind=VisitKind.APPOINTMENT,
        reason=Reason.BENEFIT_QUESTION,
        alternative=Alternative.BOOK_APPOINTMENT,
        cause=RedirectCause.APPOINTMENT_MISSED,
    )

    assert counter_increments(event) == {
        "arrivals": 1,
        "redirected": 1,
        "kind:appointment": 1,
        "reason:benefit_question": 1,
        "alternative:book_appointment": 1,
    }


def test_queued_counts_per_line() -> None:
    assert counter_increments(queued(line_id="self_service")) == {"queued": 1, "line:self_service": 1}


def test_a_first_call_counts_as_called() -> None:
    assert counter_increments(called(1)) == {"called": 1}


@pytest.mark.parametrize("call_number", [2, 3])
def test_a_recall_counts_nothing(call_number: int) -> None:
    assert counter_increments(called(call_number)) == {}


def test_completed_counts_by_outcome() -> None:
    event = ServiceCompleted(**ticketed(), room_id="samtalerom-1", outcome=Outcome.REFERRED_TO_CONTACT_CENTRE)

    assert counter_increments(event) == {"completed": 1, "outcome:referred_to_contact_centre": 1}


@pytest.mark.parametrize(
    ("event", "counter"),
    [
        (VisitorNoShow(**ticketed(), calls=3), "no_shows"),
        (VisitCancelled(**ticketed(), cause=CancelCause.VISITOR_LEFT), "cancelled"),
        (
            VisitClosedAtDayEnd(**ticketed(), kind=VisitKind.EMERGENCY, stage=VisitStage.WAITING),
            "closed_at_day_end",
        ),
    ],
    ids=["no-show", "cancelled", "closed-at-day-end"],
)
def test_endings_count_once(event: Event, counter: str) -> None:
    assert counter_increments(event) == {counter: 1}


@pytest.mark.parametrize(
    "event",
    [
        ServiceStarted(**ticketed(), room_id="samtalerom-1"),
        VisitTransferred(**ticketed(), from_line_id="drop_in", to_line_id="self_service"),
        OfficeDayClosed(**envelope(), business_date=DAY, closed_visits=3),
    ],
    ids=["started", "transferred", "day-closed"],
)
def test_other_events_count_nothing(event: Event) -> None:
    assert counter_increments(event) == {}


RULES = DayRules(service_level_s=15 * 60, zone=ZoneInfo("Europe/Oslo"))


def play(events: list[Any], day: OfficeDay | None = None) -> OfficeDay:
    day = day or OfficeDay(office_id="loten", business_date=DAY)
    for event in events:
        day = apply(day, event, RULES) or day
    return day


def served(visit_id: UUID, wait: timedelta, service: timedelta) -> list[Any]:
    return [
        checked_in(visit_id),
        queued(visit_id),
        called(1, visit_id, wait),
        completed(visit_id, wait + service),
    ]


def test_a_served_visit_gives_its_wait_and_service_time() -> None:
    visit_id = uuid4()
    started = ServiceStarted(**ticketed(visit_id, NOW + timedelta(minutes=12)), room_id="samtalerom-1")
    day = play(
        [
            *served(visit_id, timedelta(minutes=10), timedelta(minutes=20))[:3],
            started,
            completed(visit_id, timedelta(minutes=30)),
        ]
    )

    assert day.waits_s == {"drop_in": [600]}
    assert day.service_s == {"drop_in": [18 * 60]}  # from the start in the room, not the call
    assert day.counters["called_within_target"] == 1
    assert day.summary().in_office == 0


def test_every_event_delivered_twice_counts_once() -> None:
    visit_id = uuid4()
    events = served(visit_id, timedelta(minutes=20), timedelta(minutes=5))
    once = play(events)
    twice = play([e for e in events for _ in range(2)])
    replayed = play(events, once)

    assert twice.counters == once.counters == replayed.counters
    assert once.counters["arrivals"] == once.counters["called"] == once.counters["completed"] == 1
    assert "called_within_target" not in once.counters  # 20 minutes is over the 15-minute target
    assert twice.waits_s == replayed.waits_s == {"drop_in": [1200]}
    assert replayed.version == once.version


def test_a_recall_and_a_call_after_a_transfer_keep_the_first_wait() -> None:
    visit_id = uuid4()
    transfer = VisitTransferred(**ticketed(visit_id), from_line_id="drop_in", to_line_id="self_service")
    day = play(
        [
            checked_in(visit_id),
            queued(visit_id),
            called(1, visit_id, timedelta(minutes=3)),
            called(2, visit_id, timedelta(minutes=4)),
            transfer,
        ]
    )
    assert day.summary().waiting == 1
    day = play([called(1, visit_id, timedelta(minutes=9))], day)

    assert day.waits_s == {"drop_in": [180]}
    assert day.counters["called"] == 1
    assert day.summary().called == 1


def test_the_summary_counts_who_is_in_the_office_and_the_longest_waiting() -> None:
    first, second, third = uuid4(), uuid4(), uuid4()
    day = play(
        [
            queued(first, NOW),
            queued(second, NOW + timedelta(minutes=5)),
            queued(third, NOW + timedelta(minutes=7)),
            called(1, first, timedelta(minutes=8)),
            VisitorNoShow(**ticketed(third), calls=3),
        ]
    )
    summary = day.summary()

    assert (summary.in_office, summary.waiting, summary.called) == (2, 1, 1)
    assert summary.oldest_waiting_since == NOW + timedelta(minutes=5)
    assert summary.counters["no_shows"] == 1


def test_arrivals_are_counted_per_local_hour() -> None:
    at_nine = datetime(2026, 11, 23, 8, 15, tzinfo=UTC)  # 09:15 in Oslo
    day = play([checked_in(uuid4(), at=at_nine), checked_in(uuid4()), checked_in(uuid4())])

    assert day.hourly["09"]["arrivals"] == 1
    assert day.hourly["12"]["kind:drop_in"] == 2


def test_events_of_a_visit_never_queued_change_nothing() -> None:
    day = OfficeDay(office_id="loten", business_date=DAY)

    assert apply(day, called(1), RULES) is None
    assert apply(day, completed(uuid4(), timedelta(minutes=1)), RULES) is None


def test_office_days_keep_today_and_yesterday_and_ignore_older_days() -> None:
    def on(day: date) -> VisitorCheckedIn:
        return VisitorCheckedIn(
            **{**visit(), "business_date": day},
            kind=VisitKind.DROP_IN,
            reason=Reason.OTHER,
            line_id="drop_in",
        )

    days = OfficeDays()
    for day in (date(2026, 11, 20), date(2026, 11, 23), date(2026, 11, 24)):
        result = days.apply(on(day), RULES)
        assert result is not None
        days = result[0]

    assert sorted(days.days) == [date(2026, 11, 23), date(2026, 11, 24)]
    assert days.apply(on(date(2026, 11, 20)), RULES) is None
    late = days.apply(on(date(2026, 11, 23)), RULES)
    assert late is not None
    assert late[1] is not None
    assert late[1].counters["arrivals"] == 2


def restored(
    removal: ServiceCompleted | VisitorNoShow | VisitCancelled | VisitTransferred, **fields: Any
) -> VisitRestored:
    return VisitRestored(
        **ticketed(removal.visit_id, removal.occurred_at + timedelta(seconds=10)),
        undone=removal.type,
        undone_event_id=removal.event_id,
        **{"stage": VisitStage.CALLED, "line_id": "drop_in", "room_id": "samtalerom-1", "calls": 1, **fields},
    )


def test_an_undone_completion_is_not_counted_and_its_service_time_is_taken_back() -> None:
    visit_id = uuid4()
    events = served(visit_id, timedelta(minutes=10), timedelta(minutes=20))
    before = play(events[:3])
    ending = events[3]
    done = play([ending], before)
    assert done.counters["completed"] == 1

    undone = play([restored(ending, stage=VisitStage.IN_SERVICE)], done)

    assert undone.counters == before.counters
    assert undone.hourly == before.hourly
    assert undone.service_s == {"drop_in": []}
    assert undone.summary().in_service == 1
    again = play([ending], undone)  # the undone completion delivered again
    assert again.counters == before.counters
    completed_later = completed(visit_id, timedelta(minutes=40))
    final = play([completed_later], undone)  # the conversation really ends later: counted once
    assert (final.counters["completed"], final.service_s) == (1, {"drop_in": [30 * 60]})


@pytest.mark.parametrize(
    "ending",
    [
        VisitorNoShow(**ticketed(), calls=1),
        VisitCancelled(**ticketed(), cause=CancelCause.HOST_CANCELLED),
    ],
    ids=["no-show", "cancelled"],
)
def test_an_undone_no_show_or_cancel_is_not_counted(ending: VisitorNoShow | VisitCancelled) -> None:
    visit_id = ending.visit_id
    before = play([checked_in(visit_id), queued(visit_id), called(1, visit_id, timedelta(minutes=2))])
    ended = play([ending], before)
    assert ended.summary().called == 0

    undone = play([restored(ending), restored(ending)], ended)  # the restore delivered twice

    assert undone.counters == before.counters
    assert undone.hourly == before.hourly
    assert undone.summary().called == 1
    assert undone.version == ended.version + 1


def test_a_transfer_undone_puts_the_visit_back_in_its_line_and_a_held_visitor_waits() -> None:
    visit_id = uuid4()
    transfer = VisitTransferred(**ticketed(visit_id), from_line_id="drop_in", to_line_id="self_service")
    day = play([queued(visit_id), called(1, visit_id, timedelta(minutes=2)), transfer])
    assert (day.visits[visit_id].line_id, day.summary().waiting) == ("self_service", 1)

    day = play([restored(transfer)], day)
    assert (day.visits[visit_id].line_id, day.summary().called) == ("drop_in", 1)

    day = play([VisitHeld(**ticketed(visit_id), line_id="drop_in", stage=VisitStage.CALLED)], day)
    assert (day.summary().called, day.summary().waiting) == (0, 1)


def test_an_emergency_carried_over_counts_as_carried_over_not_as_closed() -> None:
    visit_id = uuid4()
    carried = VisitCarriedOver(
        **ticketed(visit_id),
        kind=VisitKind.EMERGENCY,
        stage=VisitStage.WAITING,
        line_id="emergency",
        checked_in_at=NOW,
    )

    day = play([queued(visit_id), carried])

    assert counter_increments(carried) == {"carried_over": 1}
    assert "closed_at_day_end" not in day.counters
    assert day.summary().in_office == 0


def test_follow_ups_stay_open_across_days_until_resolved() -> None:
    visit_id = uuid4()
    day_end = NOW + timedelta(hours=4)
    carried = VisitCarriedOver(
        **ticketed(visit_id, day_end),
        kind=VisitKind.EMERGENCY,
        stage=VisitStage.WAITING,
        line_id="emergency",
        checked_in_at=NOW,
    )
    days = OfficeDays()
    for event in (queued(visit_id), carried, carried):  # delivered twice: opened once
        result = days.apply(event, RULES)
        days = result[0] if result else days
    assert (days.follow_ups, days.follow_ups_version) == ({visit_id: day_end}, 1)  # since carried over

    later = [date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26)]  # the day it came is long gone
    for day in later:
        result = days.apply(
            VisitorCheckedIn(
                **{**visit(), "business_date": day},
                kind=VisitKind.DROP_IN,
                reason=Reason.OTHER,
                line_id="drop_in",
            ),
            RULES,
        )
        assert result is not None
        days = result[0]
    assert DAY not in days.days
    assert days.follow_ups == {visit_id: day_end}

    resolved = days.apply(FollowUpResolved(**ticketed(visit_id, NOW + timedelta(days=3))), RULES)

    assert resolved is not None
    assert resolved[1] is None  # no day changed: only the follow-ups
    assert (resolved[0].follow_ups, resolved[0].follow_ups_version) == ({}, 2)
    assert resolved[0].apply(FollowUpResolved(**ticketed(visit_id)), RULES) is None


HALDEN = load_offices(DEFAULT_OFFICES_FILE).offices["halden"]


def test_the_wait_quoted_at_check_in_is_set_against_the_wait_had_once_per_visit() -> None:
    early, late, recalled = uuid4(), uuid4(), uuid4()
    quoted = [
        queued(visit_id).model_copy(update={"estimated_wait_s": quote})
        for visit_id, quote in ((early, 900), (late, 300), (recalled, 600))
    ]
    events = [
        *quoted,
        called(1, early, timedelta(minutes=10)),  # quoted 15, waited 10: 5 minutes over
        called(1, late, timedelta(minutes=12)),  # quoted 5, waited 12: 7 minutes under
        called(1, recalled, timedelta(minutes=10)),
        called(2, recalled, timedelta(minutes=14)),  # a recall is not a wait
    ]

    day = play([e for e in events for _ in range(2)])

    assert sorted(day.quote_errors_s["drop_in"]) == [-420, 0, 300]
    figures = kpis(day.summary(), HALDEN)["estimates_by_line"]
    assert figures["drop_in"] == {
        "count": 3,
        "mean_abs_error_s": 240,
        "bias_s": -40,
        "within_5_min_share": 0.667,
        "said_held_share": None,  # queued without the estimate's range: what they were told is not known
    }
    assert figures["all"] == figures["drop_in"]


def test_a_visitor_moved_to_another_line_before_their_first_call_is_not_set_against_its_quote() -> None:
    moved, moved_back = uuid4(), uuid4()
    told = {"estimated_wait_s": 600, "estimated_low_s": 600, "estimated_high_s": 600}
    transfers = {
        visit_id: VisitTransferred(**ticketed(visit_id), from_line_id="drop_in", to_line_id="self_service")
        for visit_id in (moved, moved_back)
    }
    events: list[Any] = [queued(visit_id).model_copy(update=told) for visit_id in (moved, moved_back)]
    events += [*transfers.values(), restored(transfers[moved_back], stage=VisitStage.WAITING)]
    events += [
        called(1, moved, timedelta(minutes=30)).model_copy(update={"line_id": "self_service"}),
        called(1, moved_back, timedelta(minutes=30)),
    ]

    day = play(events)

    # quoted for drop-in, called from self-service: the quote was for the line left; the transfer
    # undone, the visitor is back in the line they were quoted for
    assert day.quote_errors_s == {"drop_in": [600 - 1800]}
    assert day.quotes_held == {"drop_in": [0]}
    assert day.waits_s == {"self_service": [1800], "drop_in": [1800]}


def test_what_each_visitor_was_told_is_set_against_the_wait_they_had() -> None:
    # told "about 15 min" (held for 12.5-17.5), "20-40 min" (17.5-42.5) and "about 5 min" (0-7.5)
    told = {uuid4(): (900, 840, 960), uuid4(): (1800, 1200, 2400), uuid4(): (60, 60, 60)}
    waits = (timedelta(minutes=18), timedelta(minutes=41), timedelta(minutes=7))
    waited = dict(zip(told, waits, strict=True))
    events: list[Any] = [
        queued(visit_id).model_copy(
            update={"estimated_wait_s": expected, "estimated_low_s": low, "estimated_high_s": high}
        )
        for visit_id, (expected, low, high) in told.items()
    ]
    events += [called(1, visit_id, wait) for visit_id, wait in waited.items()]

    day = play([e for e in events for _ in range(2)])

    assert day.quotes_held == {"drop_in": [0, 1, 1]}  # the first waited half a minute too long
    figures = kpis(day.summary(), HALDEN)["estimates_by_line"]
    assert figures["drop_in"]["said_held_share"] == figures["all"]["said_held_share"] == 0.667
    # 3, 11 and 6 minutes off: within five minutes for one, though what was said held for two
    assert figures["drop_in"]["within_5_min_share"] == 0.333
