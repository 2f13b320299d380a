"""Each counsellor's arrivals of the day: an appointment in the queue arrives in its counsellor's list,
follows the visit (called, in the room, done), moves with a handover, and is gone when the day closes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from visitflow_events import (
    Event,
    OfficeDayClosed,
    Outcome,
    ServiceCompleted,
    ServiceStarted,
    VisitCarriedOver,
    VisitHeld,
    VisitKind,
    VisitorCalled,
    VisitorNoShow,
    VisitorQueued,
    VisitRestored,
    VisitStage,
    VisitTransferred,
)
from visitflow_notify.domain import Board, Stage, apply, arrive
from visitflow_notify.domain import arrivals as arrivals_module

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


def queued(visit_id: UUID, ticket: str, counsellor_id: str | None = "veileder-2") -> VisitorQueued:
    return VisitorQueued(
        **fields(visit_id, ticket, minutes=1),
        line_id="appointment",
        kind=VisitKind.APPOINTMENT,
        reason="counsellor_appointment",
        checked_in_at=NOW,
        counsellor_id=counsellor_id,
        position=1,
        estimated_wait_s=0,
    )


def after(*events: Event) -> Board:
    board = Board(office_id="loten")
    for event in events:
        board = apply(board, event)
    return board


def test_an_appointment_arrives_in_its_counsellors_list_at_check_in_time() -> None:
    visitor = uuid4()

    (arrival,) = after(queued(visitor, "T-001")).arrivals

    assert (arrival.ticket, arrival.counsellor_id, arrival.stage) == ("T-001", "veileder-2", Stage.WAITING)
    assert arrival.arrived_at == NOW
    assert arrival.room_id is None


def test_a_visit_without_a_counsellor_is_nobodys_arrival() -> None:
    assert after(queued(uuid4(), "T-001", counsellor_id=None)).arrivals == ()


def test_an_arrival_follows_its_visit_to_the_room_and_out() -> None:
    visitor = uuid4()
    board = after(queued(visitor, "T-001"))
    steps = [
        (
            VisitorCalled(
                **fields(visitor, "T-001", 2), line_id="appointment", room_id="moterom-1", call_number=1
            ),
            Stage.CALLED,
        ),
        (ServiceStarted(**fields(visitor, "T-001", 3), room_id="moterom-1"), Stage.IN_SERVICE),
        (
            ServiceCompleted(**fields(visitor, "T-001", 30), room_id="moterom-1", outcome=Outcome.SERVED),
            Stage.DONE,
        ),
    ]
    for event, stage in steps:
        board = apply(board, event)
        (arrival,) = board.arrivals
        assert arrival.stage is stage
        assert arrival.room_id == "moterom-1"


def test_an_appointment_who_never_came_in_is_done_too() -> None:
    visitor = uuid4()

    (arrival,) = after(queued(visitor, "T-001"), VisitorNoShow(**fields(visitor, "T-001"), calls=3)).arrivals

    assert arrival.stage is Stage.DONE


def test_the_same_event_twice_changes_nothing() -> None:
    visitor = uuid4()
    arrived = queued(visitor, "T-001")
    board = after(arrived)

    assert arrive(board.arrivals, arrived) is board.arrivals


def test_a_handover_moves_the_arrival_to_the_other_counsellor_waiting_again() -> None:
    visitor = uuid4()
    called = VisitorCalled(
        **fields(visitor, "T-001"), line_id="appointment", room_id="moterom-1", call_number=1
    )
    handed = VisitTransferred(
        **fields(visitor, "T-001", 5),
        from_line_id="appointment",
        to_line_id="appointment",
        counsellor_id="veileder-3",
    )

    (arrival,) = after(queued(visitor, "T-001"), called, handed).arrivals

    assert (arrival.counsellor_id, arrival.stage, arrival.room_id) == ("veileder-3", Stage.WAITING, None)
    assert arrival.arrived_at == NOW  # still the time the visitor came


def test_a_visitor_handed_to_a_counsellor_arrives_in_their_list_at_the_handover() -> None:
    visitor = uuid4()
    handed = VisitTransferred(
        **fields(visitor, "D-004", 5),
        from_line_id="drop_in",
        to_line_id="appointment",
        counsellor_id="veileder-1",
    )

    (arrival,) = after(handed).arrivals

    assert (arrival.ticket, arrival.counsellor_id, arrival.arrived_at) == (
        "D-004",
        "veileder-1",
        NOW + timedelta(minutes=5),
    )


def test_a_visit_handed_to_no_counsellor_leaves_the_list() -> None:
    visitor = uuid4()
    handed = VisitTransferred(**fields(visitor, "T-001", 5), from_line_id="appointment", to_line_id="drop_in")

    assert after(queued(visitor, "T-001"), handed).arrivals == ()


def test_a_full_day_forgets_the_oldest_finished_arrivals_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arrivals_module, "KEEP", 3)
    visits = [uuid4() for _ in range(4)]

    board = after(
        queued(visits[0], "T-001"),
        queued(visits[1], "T-002"),
        ServiceCompleted(**fields(visits[1], "T-002"), room_id="moterom-1", outcome=Outcome.SERVED),
        queued(visits[2], "T-003"),
        queued(visits[3], "T-004"),
    )

    assert [a.ticket for a in board.arrivals] == ["T-001", "T-003", "T-004"]


def test_the_day_closing_empties_every_list() -> None:
    closed = OfficeDayClosed(
        event_id=uuid4(),
        occurred_at=NOW,
        office_id="loten",
        correlation_id=uuid4(),
        producer="queue",
        business_date=DAY,
        closed_visits=1,
    )

    assert after(queued(uuid4(), "T-001"), closed).arrivals == ()


def test_an_undone_removal_puts_the_arrival_back_with_its_counsellor() -> None:
    visitor = uuid4()
    called = VisitorCalled(
        **fields(visitor, "T-001", 2), line_id="appointment", room_id="samtalerom-2", call_number=1
    )
    no_show = VisitorNoShow(**fields(visitor, "T-001", 3), calls=1)
    board = after(queued(visitor, "T-001"), called, no_show)
    assert board.arrivals[0].stage is Stage.DONE

    board = apply(
        board,
        VisitRestored(
            **fields(visitor, "T-001", 3),
            undone="VisitorNoShow",
            undone_event_id=no_show.event_id,
            stage=VisitStage.CALLED,
            line_id="appointment",
            room_id="samtalerom-2",
            counsellor_id="veileder-2",
            calls=1,
        ),
    )

    (arrival,) = board.arrivals
    assert (arrival.stage, arrival.room_id, arrival.counsellor_id) == (
        Stage.CALLED,
        "samtalerom-2",
        "veileder-2",
    )


def test_a_handover_undone_gives_the_arrival_back_to_the_first_counsellor_and_one_to_nobody_removes_it() -> (
    None
):
    visitor = uuid4()
    handover = VisitTransferred(
        **fields(visitor, "T-001", 2),
        from_line_id="appointment",
        to_line_id="drop_in",
        counsellor_id="veileder-4",
    )
    board = after(queued(visitor, "T-001"), handover)

    board = apply(
        board,
        VisitRestored(
            **fields(visitor, "T-001", 3),
            undone="VisitTransferred",
            undone_event_id=handover.event_id,
            stage=VisitStage.WAITING,
            line_id="appointment",
            counsellor_id="veileder-2",
        ),
    )
    assert [(a.counsellor_id, a.stage) for a in board.arrivals] == [("veileder-2", Stage.WAITING)]

    to_one = VisitTransferred(
        **fields(visitor, "T-001", 4),
        from_line_id="drop_in",
        to_line_id="appointment",
        counsellor_id="veileder-1",
    )
    no_counsellor = VisitRestored(
        **fields(visitor, "T-001", 5),
        undone="VisitTransferred",
        undone_event_id=to_one.event_id,
        stage=VisitStage.WAITING,
        line_id="drop_in",
    )
    assert apply(apply(board, to_one), no_counsellor).arrivals == ()


def test_a_visitor_on_hold_waits_again_and_an_emergency_carried_over_is_done() -> None:
    visitor = uuid4()
    called = VisitorCalled(
        **fields(visitor, "T-001", 2), line_id="appointment", room_id="samtalerom-2", call_number=1
    )
    board = after(
        queued(visitor, "T-001"),
        called,
        VisitHeld(**fields(visitor, "T-001", 3), line_id="appointment", stage=VisitStage.CALLED),
    )
    assert [(a.stage, a.room_id) for a in board.arrivals] == [(Stage.WAITING, None)]

    board = apply(
        board,
        VisitCarriedOver(
            **fields(visitor, "T-001", 4),
            kind=VisitKind.APPOINTMENT,
            stage=VisitStage.WAITING,
            line_id="appointment",
            checked_in_at=NOW,
        ),
    )
    assert board.arrivals[0].stage is Stage.DONE
