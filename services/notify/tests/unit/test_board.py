"""The waiting-room board: latest calls first, each visitor once, marked when they go in and shown a while
longer, removed when they do not come, cleared when the day ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from visitflow_events import (
    CancelCause,
    Event,
    LineWait,
    OfficeDayClosed,
    Outcome,
    ServiceCompleted,
    ServiceStarted,
    VisitCancelled,
    VisitCarriedOver,
    VisitClosedAtDayEnd,
    VisitHeld,
    VisitKind,
    VisitorCalled,
    VisitorNoShow,
    VisitorQueued,
    VisitRestored,
    VisitStage,
    VisitTransferred,
    WaitEstimate,
    WaitsEstimated,
)
from visitflow_events.waits import OfficeWaits
from visitflow_notify.domain import Board, apply, shown
from visitflow_notify.domain.board import ENDED_KEPT

NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
DAY = date(2026, 11, 23)


def fields(visit_id: UUID, ticket: str, minutes: int = 0) -> dict[str, object]:
    return {
        "event_id": uuid4(),
        "occurred_at": NOW + timedelta(minutes=minutes),
        "office_id": "loten",
        "correlation_id": uuid4(),
        "producer": "queue",
        "visit_id": visit_id,
        "business_date": DAY,
        "ticket": ticket,
    }


def call(
    number: int,
    *,
    visit_id: UUID | None = None,
    room: str = "samtalerom-1",
    call_number: int = 1,
    minutes: int = 0,
) -> VisitorCalled:
    return VisitorCalled(
        **fields(visit_id or uuid4(), f"D-{number:03d}", minutes),
        line_id="drop_in",
        room_id=room,
        call_number=call_number,
    )


def board_after(*events: Event, keep: int = 8) -> Board:
    board = Board(office_id="loten")
    for event in events:
        board = apply(board, event, keep)
    return board


def tickets(board: Board) -> list[str]:
    return [c.ticket for c in board.calls]


def test_a_call_appears_on_the_board() -> None:
    called = call(1, room="moterom-1", minutes=3)

    board = board_after(called)

    (shown,) = board.calls
    assert shown.ticket == "D-001"
    assert shown.room_id == "moterom-1"
    assert shown.visit_id == called.visit_id
    assert shown.event_id == called.event_id
    assert shown.call_number == 1
    assert shown.called_at == NOW + timedelta(minutes=3)


def test_calls_are_shown_newest_first() -> None:
    board = board_after(call(1, minutes=0), call(2, minutes=1), call(3, minutes=2))

    assert tickets(board) == ["D-003", "D-002", "D-001"]


def test_the_board_keeps_only_the_latest_calls() -> None:
    board = board_after(*(call(n, minutes=n) for n in range(1, 11)), keep=4)

    assert tickets(board) == ["D-010", "D-009", "D-008", "D-007"]


def test_the_default_board_keeps_eight_calls() -> None:
    board = Board(office_id="loten")
    for n in range(1, 11):
        board = apply(board, call(n))

    assert len(board.calls) == 8
    assert board.calls[0].ticket == "D-010"


def test_the_same_event_twice_changes_nothing() -> None:
    first, second = call(1), call(2)
    board = board_after(first, second)

    again = apply(board, first)

    assert again == board
    assert again is board


def test_a_queued_event_delivered_again_after_the_call_does_not_requeue_the_visitor() -> None:
    visitor = uuid4()
    queued = VisitorQueued(
        **fields(visitor, "D-001"),
        line_id="drop_in",
        kind=VisitKind.DROP_IN,
        reason="case_status",
        checked_in_at=NOW,
        position=1,
        estimated_wait_s=600,
    )
    board = board_after(queued, call(1, visit_id=visitor))
    assert board.lines["drop_in"].waiting == ()

    again = apply(board, queued)  # a worker that crashed before committing replays its input

    assert again is board


def test_a_recall_replaces_the_visitors_older_call() -> None:
    visitor = uuid4()
    board = board_after(call(1, visit_id=visitor), call(2))

    board = apply(board, call(1, visit_id=visitor, call_number=2, minutes=2))

    assert tickets(board) == ["D-001", "D-002"]
    assert board.calls[0].call_number == 2
    assert sum(1 for c in board.calls if c.visit_id == visitor) == 1


def test_a_visitor_who_goes_in_stays_on_the_board_marked_as_gone_in() -> None:
    visitor = uuid4()
    board = board_after(call(1, visit_id=visitor), call(2))

    board = apply(board, ServiceStarted(**fields(visitor, "D-001", minutes=2), room_id="samtalerom-1"))

    assert tickets(board) == ["D-002", "D-001"]
    assert board.calls[1].gone_in_at == NOW + timedelta(minutes=2)
    assert board.calls[0].gone_in_at is None


def test_completing_the_conversation_keeps_the_time_the_visitor_went_in() -> None:
    visitor = uuid4()
    board = board_after(
        call(1, visit_id=visitor), ServiceStarted(**fields(visitor, "D-001", 1), room_id="samtalerom-1")
    )

    after = apply(
        board, ServiceCompleted(**fields(visitor, "D-001", 9), room_id="samtalerom-1", outcome=Outcome.SERVED)
    )

    assert after is board


def test_a_visit_completed_without_a_start_counts_as_gone_in_at_its_completion() -> None:
    visitor = uuid4()
    board = board_after(call(1, visit_id=visitor))

    board = apply(
        board, ServiceCompleted(**fields(visitor, "D-001", 4), room_id="samtalerom-1", outcome=Outcome.SERVED)
    )

    assert board.calls[0].gone_in_at == NOW + timedelta(minutes=4)


def test_a_visitor_who_did_not_come_leaves_the_board() -> None:
    a, b, c, d = uuid4(), uuid4(), uuid4(), uuid4()
    board = board_after(call(1, visit_id=a), call(2, visit_id=b), call(3, visit_id=c), call(4, visit_id=d))

    for ending in (
        VisitorNoShow(**fields(a, "D-001"), calls=3),
        VisitCancelled(**fields(b, "D-002"), cause=CancelCause.VISITOR_LEFT),
        VisitClosedAtDayEnd(**fields(c, "D-003"), kind=VisitKind.DROP_IN, stage=VisitStage.CALLED),
        VisitTransferred(**fields(d, "D-004"), from_line_id="drop_in", to_line_id="emergency"),
    ):
        before = len(board.calls)
        board = apply(board, ending)
        assert len(board.calls) == before - 1

    assert board.calls == ()


def test_a_display_shows_waiting_calls_always_and_gone_in_calls_for_a_while() -> None:
    went_in, waits = uuid4(), uuid4()
    board = board_after(
        call(1, visit_id=went_in),
        call(2, visit_id=waits),
        ServiceStarted(**fields(went_in, "D-001", minutes=1), room_id="samtalerom-1"),
    )
    linger = timedelta(minutes=10)

    assert [c.ticket for c in shown(board, NOW + timedelta(minutes=10), linger)] == ["D-002", "D-001"]
    assert [c.ticket for c in shown(board, NOW + timedelta(minutes=11), linger)] == ["D-002"]
    assert [c.ticket for c in shown(board, NOW + timedelta(hours=3), linger)] == ["D-002"]


def test_gone_in_calls_count_among_the_calls_kept() -> None:
    first = uuid4()
    board = board_after(
        call(1, visit_id=first),
        ServiceStarted(**fields(first, "D-001"), room_id="samtalerom-1"),
        call(2),
        call(3),
        keep=2,
    )

    assert tickets(board) == ["D-003", "D-002"]


def test_an_ending_for_a_visit_not_on_the_board_changes_nothing() -> None:
    board = board_after(call(1))

    for ending in (
        ServiceStarted(**fields(uuid4(), "D-009"), room_id="samtalerom-1"),
        VisitCancelled(**fields(uuid4(), "D-010"), cause=CancelCause.VISITOR_LEFT),
    ):
        assert apply(board, ending) is board


def test_office_day_closed_clears_the_board() -> None:
    board = board_after(call(1), call(2))
    closed = OfficeDayClosed(
        event_id=uuid4(),
        occurred_at=NOW,
        office_id="loten",
        correlation_id=uuid4(),
        producer="queue",
        business_date=DAY,
        closed_visits=2,
    )

    board = apply(board, closed)

    assert board == Board(office_id="loten")


def test_an_event_leaves_the_parts_it_does_not_change_as_they_were() -> None:
    """The worker pushes a display frame only for what changed the display, and a counsellor frame only
    for what changed the arrivals: it tells by identity."""
    visitor = uuid4()
    board = board_after(call(1, visit_id=visitor))

    after = apply(board, ServiceStarted(**fields(visitor, "D-001"), room_id="samtalerom-1"))

    assert after.calls is not board.calls
    assert after.lines is board.lines
    assert after.arrivals is board.arrivals


def queued_at(visit_id: UUID, number: int, line: str = "drop_in") -> VisitorQueued:
    return VisitorQueued(
        **fields(visit_id, f"D-{number:03d}"),
        line_id=line,
        kind=VisitKind.DROP_IN,
        reason="case_status",
        checked_in_at=NOW,
        position=1,
        estimated_wait_s=600,
    )


def restored(
    removal: Event, stage: VisitStage, room: str | None = None, line: str = "drop_in"
) -> VisitRestored:
    assert isinstance(removal, VisitorNoShow | VisitCancelled | ServiceCompleted | VisitTransferred)
    return VisitRestored(
        **fields(removal.visit_id, removal.ticket, 1),
        undone=removal.type,
        undone_event_id=removal.event_id,
        stage=stage,
        line_id=line,
        room_id=room,
        calls=1 if room else 0,
    )


def test_a_no_show_undone_puts_the_call_back_on_the_board_where_it_was() -> None:
    visitor = uuid4()
    board = board_after(queued_at(visitor, 1), call(1, visit_id=visitor), call(2))
    no_show = VisitorNoShow(**fields(visitor, "D-001", 1), calls=1)
    board = apply(board, no_show)
    assert tickets(board) == ["D-002"]

    board = apply(board, restored(no_show, VisitStage.CALLED, "samtalerom-1"))

    assert tickets(board) == ["D-001", "D-002"]
    assert (board.calls[0].room_id, board.calls[0].gone_in_at) == ("samtalerom-1", None)
    assert board.lines["drop_in"].waiting == ()
    assert apply(board, no_show) is board  # the undone no-show delivered again changes nothing


def test_a_cancel_or_transfer_of_a_waiting_visitor_undone_puts_them_back_in_their_line() -> None:
    left, moved = uuid4(), uuid4()
    cancel = VisitCancelled(**fields(left, "D-001"), cause=CancelCause.VISITOR_LEFT)
    transfer = VisitTransferred(**fields(moved, "D-002"), from_line_id="drop_in", to_line_id="self_service")
    board = board_after(queued_at(left, 1), queued_at(moved, 2), cancel, transfer)
    assert (board.lines["drop_in"].waiting, board.lines["self_service"].waiting) == ((), (moved,))

    board = apply(apply(board, restored(cancel, VisitStage.WAITING)), restored(transfer, VisitStage.WAITING))

    assert set(board.lines["drop_in"].waiting) == {left, moved}
    assert board.lines["self_service"].waiting == ()
    again = apply(board, restored(cancel, VisitStage.WAITING))  # the restore delivered again
    assert again is board


def test_a_called_visitor_put_on_hold_leaves_the_calls_and_waits_in_their_line_again() -> None:
    visitor = uuid4()
    board = board_after(queued_at(visitor, 1), call(1, visit_id=visitor))

    board = apply(board, VisitHeld(**fields(visitor, "D-001", 2), line_id="drop_in", stage=VisitStage.CALLED))

    assert board.calls == ()
    assert board.lines["drop_in"].waiting == (visitor,)
    waiting = uuid4()
    board = board_after(queued_at(waiting, 2))
    held = apply(board, VisitHeld(**fields(waiting, "D-002"), line_id="drop_in", stage=VisitStage.WAITING))
    assert held.lines is board.lines  # on hold in line: the display's count is unchanged


def test_an_emergency_carried_over_leaves_the_board() -> None:
    visitor = uuid4()
    board = board_after(call(1, visit_id=visitor))

    board = apply(
        board,
        VisitCarriedOver(
            **fields(visitor, "A-001"),
            kind=VisitKind.EMERGENCY,
            stage=VisitStage.CALLED,
            line_id="emergency",
            checked_in_at=NOW,
        ),
    )

    assert board.calls == ()


def _queued(visit_id: UUID, number: int, wait_s: int, line: str = "drop_in") -> VisitorQueued:
    return queued_at(visit_id, number, line).model_copy(update={"estimated_wait_s": wait_s})


def _estimated(**lines: int) -> WaitsEstimated:
    """The queue's estimates per line (expected seconds, sure)."""
    return WaitsEstimated(
        **{k: v for k, v in fields(uuid4(), "D-001").items() if k not in ("visit_id", "ticket")},
        lines=tuple(
            LineWait(line_id=line, waiting=1, estimate=WaitEstimate(expected_s=s, low_s=s, high_s=s))
            for line, s in lines.items()
        ),
    )


def estimate_of(board: Board, line: str) -> int | None:
    estimate = board.lines[line].estimate
    return estimate.expected_s if estimate else None


def test_a_line_shows_the_queues_estimate_never_an_arrivals_own() -> None:
    first, second = uuid4(), uuid4()
    board = board_after(_queued(first, 1, 300), _queued(second, 2, 900))
    assert (board.lines["drop_in"].waiting, estimate_of(board, "drop_in")) == ((first, second), None)

    board = apply(board, _estimated(drop_in=660))
    assert estimate_of(board, "drop_in") == 660

    board = apply(board, call(1, visit_id=first))
    assert board.lines["drop_in"].waiting == (second,)
    board = apply(board, VisitCancelled(**fields(second, "D-002"), cause=CancelCause.VISITOR_LEFT))
    assert board.lines["drop_in"].waiting == ()


def test_the_estimates_on_the_queueing_that_ended_a_batch_are_the_lines_after_it() -> None:
    first, second = uuid4(), uuid4()
    waits = _estimated(drop_in=660, self_service=120)
    last = _queued(second, 2, 660).model_copy(update={"waits": OfficeWaits(lines=waits.lines)})
    board = board_after(_queued(first, 1, 300), last)
    assert board.lines["drop_in"].waiting == (first, second)  # joined, then its batch's estimates
    assert (estimate_of(board, "drop_in"), estimate_of(board, "self_service")) == (660, 120)
    assert apply(board, last) is board  # delivered again: nothing changes


def test_a_transfer_puts_the_visitor_last_in_the_other_line_which_keeps_its_own_estimate() -> None:
    moved, helped, other = uuid4(), uuid4(), uuid4()
    board = board_after(
        _queued(moved, 1, 600),
        _queued(other, 2, 1200),
        _queued(helped, 3, 120, line="self_service"),
        _estimated(drop_in=1200, self_service=120),
    )

    board = apply(
        board, VisitTransferred(**fields(moved, "D-001"), from_line_id="drop_in", to_line_id="self_service")
    )

    assert board.lines["drop_in"].waiting == (other,)
    assert estimate_of(board, "drop_in") == 1200
    assert board.lines["self_service"].waiting == (helped, moved)
    assert estimate_of(board, "self_service") == 120


def test_a_call_restored_while_still_on_the_board_is_not_shown_twice() -> None:
    visitor = uuid4()
    board = board_after(queued_at(visitor, 1), call(1, visit_id=visitor), call(2))
    cancel = VisitCancelled(**fields(visitor, "D-001", 1), cause=CancelCause.HOST_CANCELLED)
    board = apply(board, cancel)
    board = apply(board, restored(cancel, VisitStage.CALLED, "samtalerom-1"))
    assert tickets(board) == ["D-001", "D-002"]

    other_restore = restored(cancel, VisitStage.CALLED, "samtalerom-1").model_copy(
        update={"undone_event_id": uuid4()}
    )
    again = apply(board, other_restore)

    assert tickets(again) == ["D-001", "D-002"]
    assert again.calls is board.calls


def test_a_restored_call_is_shown_as_called_again_not_gone_in_and_within_the_calls_kept() -> None:
    visitor = uuid4()
    board = board_after(queued_at(visitor, 1), call(1, visit_id=visitor), call(2), call(3), keep=2)
    no_show = VisitorNoShow(**fields(visitor, "D-001", 1), calls=2)
    board = apply(board, no_show, keep=2)
    assert tickets(board) == ["D-003", "D-002"]

    board = apply(board, restored(no_show, VisitStage.CALLED, "samtalerom-3"), keep=2)

    assert tickets(board) == ["D-001", "D-003"]
    assert (board.calls[0].room_id, board.calls[0].gone_in_at, board.calls[0].call_number) == (
        "samtalerom-3",
        None,
        1,
    )


def completed(visit_id: UUID, number: int, minutes: int) -> ServiceCompleted:
    return ServiceCompleted(
        **fields(visit_id, f"D-{number:03d}", minutes), room_id="samtalerom-1", outcome=Outcome.SERVED
    )


def test_the_board_holds_the_open_visits_and_those_over_lately_not_the_whole_day() -> None:
    board = Board(office_id="loten")
    served = []
    for number in range(1, 101):  # a visit every five minutes, each served at once
        visitor = uuid4()
        served.append(visitor)
        for event in (queued_at(visitor, number), completed(visitor, number, 5 * number)):
            board = apply(board, event)
    waiting = uuid4()
    board = apply(board, queued_at(waiting, 101))

    kept = ENDED_KEPT // timedelta(minutes=5)
    assert set(board.tickets) == {waiting}
    assert list(board.ended) == served[-kept:]  # those over in the last quarter of an hour
    assert board.ended[served[-1]] == NOW + timedelta(minutes=500)


def test_a_queued_event_delivered_again_after_the_visit_is_over_does_not_requeue_it() -> None:
    visitor = uuid4()
    queued = queued_at(visitor, 1)
    board = board_after(queued, call(1, visit_id=visitor), completed(visitor, 1, 10))

    assert apply(board, queued) is board  # a worker resuming from its last commit


def test_a_queued_event_delivered_again_while_the_visitor_is_in_a_room_off_the_board_is_ignored() -> None:
    visitor = uuid4()
    queued = queued_at(visitor, 1)
    board = board_after(queued, call(1, visit_id=visitor), *(call(n) for n in range(2, 12)))
    assert visitor not in {c.visit_id for c in board.calls}  # the latest eight calls only

    assert apply(board, queued) is board


def test_a_visit_over_and_undone_has_its_ticket_again() -> None:
    visitor = uuid4()
    cancelled = VisitCancelled(**fields(visitor, "D-001", 2), cause=CancelCause.VISITOR_LEFT)
    board = board_after(queued_at(visitor, 1), cancelled)
    assert visitor in board.ended
    assert visitor not in board.tickets

    board = apply(board, restored(cancelled, VisitStage.WAITING))

    assert board.tickets[visitor] == "D-001"
    assert visitor not in board.ended


def test_a_board_stored_with_the_whole_day_is_read_with_its_visits_over_long_over() -> None:
    over, waiting = uuid4(), uuid4()
    stored = {
        "office_id": "loten",
        "queued": [str(over), str(waiting)],
        "tickets": {str(over): "D-001", str(waiting): "D-002"},
        "ended": [str(over)],
    }

    board = Board.model_validate(stored)

    assert board.tickets == {waiting: "D-002"}
    assert set(board.ended) == {over}
    assert board.queued(over)
    assert board.queued(waiting)
    later = completed(uuid4(), 3, 0)
    assert over not in apply(apply(board, queued_at(later.visit_id, 3)), later).ended
