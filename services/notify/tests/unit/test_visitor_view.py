"""What a visitor's own page shows: their ticket, place in their line and the display's own expected
wait; on hold while they stepped out; the room when called; over when their visit ends. And nothing
about anyone else."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import orjson
import pytest
from visitflow_events import (
    CancelCause,
    Event,
    LineWait,
    Outcome,
    ServiceCompleted,
    ServiceStarted,
    VisitCancelled,
    VisitHeld,
    VisitKind,
    VisitorCalled,
    VisitorQueued,
    VisitReturned,
    VisitStage,
    WaitEstimate,
    WaitsEstimated,
)
from visitflow_notify.domain import Board, apply
from visitflow_notify.domain.views import display_view
from visitflow_notify.domain.visitor import own_view, visits_frame, visits_view
from visitflow_offices import load_offices

OFFICES = load_offices(Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml")
LOTEN = OFFICES.offices["loten"]
NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
LINGER = timedelta(minutes=10)


def fields(visit_id: UUID, ticket: str) -> dict[str, object]:
    return {
        "event_id": uuid4(),
        "occurred_at": NOW,
        "office_id": "loten",
        "correlation_id": uuid4(),
        "producer": "queue",
        "visit_id": visit_id,
        "business_date": date(2026, 11, 23),
        "ticket": ticket,
    }


def queued(visit_id: UUID, ticket: str, wait_s: int) -> VisitorQueued:
    return VisitorQueued(
        **fields(visit_id, ticket),
        line_id="drop_in",
        kind=VisitKind.DROP_IN,
        reason="case_status",
        checked_in_at=NOW,
        position=1,
        estimated_wait_s=wait_s,
    )


def page(events: list[Event], visit_id: UUID) -> dict[str, object]:
    board = Board(office_id="loten")
    for event in events:
        board = apply(board, event)
    shows = display_view(board, LOTEN, NOW, LINGER)
    return own_view(visits_frame(visits_view(board, LOTEN, shows)), visit_id)


def estimated(low_s: int, expected_s: int, high_s: int) -> WaitsEstimated:
    """The queue's estimate for the drop-in line, as the display takes it."""
    envelope = {k: v for k, v in fields(uuid4(), "D-001").items() if k not in ("visit_id", "ticket")}
    estimate = WaitEstimate(expected_s=expected_s, low_s=low_s, high_s=high_s)
    return WaitsEstimated(**envelope, lines=(LineWait(line_id="drop_in", waiting=2, estimate=estimate),))


@pytest.mark.parametrize(
    ("estimate", "said"), [((1200, 1500, 1700), (25, None)), ((600, 1500, 3000), (10, 50))]
)
def test_a_waiting_visitor_sees_their_ticket_place_and_the_displays_expected_wait(
    estimate: tuple[int, int, int], said: tuple[int, int | None]
) -> None:
    first, second = uuid4(), uuid4()
    events: list[Event] = [queued(first, "D-001", 0), queued(second, "D-002", 1500), estimated(*estimate)]
    board = Board(office_id="loten")
    for event in events:
        board = apply(board, event)
    drop_in = next(
        line for line in display_view(board, LOTEN, NOW, LINGER)["lines"] if line["line_id"] == "drop_in"
    )

    own = page(events, second)

    assert own["stage"] == "waiting"
    assert (own["ticket"], own["place"]) == ("D-002", 2)
    assert (own["expected_minutes"], own["expected_minutes_to"]) == said  # as the display says it
    assert (drop_in["expected_minutes"], drop_in["expected_minutes_to"]) == said
    assert "D-001" not in orjson.dumps(own).decode()
    assert str(first) not in orjson.dumps(own).decode()


def test_a_visitor_who_stepped_out_is_on_hold_in_their_place_until_back() -> None:
    visitor = uuid4()
    events: list[Event] = [
        queued(uuid4(), "D-001", 0),
        queued(visitor, "D-002", 600),
        VisitHeld(**fields(visitor, "D-002"), line_id="drop_in", stage=VisitStage.WAITING),
    ]
    assert (page(events, visitor)["stage"], page(events, visitor)["place"]) == ("held", 2)
    events.append(VisitReturned(**fields(visitor, "D-002"), line_id="drop_in"))
    assert page(events, visitor)["stage"] == "waiting"


def test_a_called_visitor_sees_the_room_then_that_they_went_in_then_that_it_is_over() -> None:
    visitor = uuid4()
    events: list[Event] = [
        queued(visitor, "D-001", 0),
        VisitorCalled(**fields(visitor, "D-001"), line_id="drop_in", room_id="samtalerom-2", call_number=1),
    ]
    own = page(events, visitor)
    assert (own["stage"], own["room"]) == ("called", "Samtalerom 2")
    events.append(ServiceStarted(**fields(visitor, "D-001"), room_id="samtalerom-2"))
    assert page(events, visitor)["stage"] == "in_room"
    events.append(
        ServiceCompleted(**fields(visitor, "D-001"), room_id="samtalerom-2", outcome=Outcome.SERVED)
    )
    assert page(events, visitor) == {"stage": "ended", "office": LOTEN.name}


def test_a_cancelled_visit_is_over_and_one_not_queued_yet_is_pending() -> None:
    visitor = uuid4()
    assert page([], visitor)["stage"] == "pending"
    events: list[Event] = [
        queued(visitor, "D-001", 0),
        VisitCancelled(**fields(visitor, "D-001"), cause=CancelCause.VISITOR_LEFT),
    ]
    assert page(events, visitor)["stage"] == "ended"
