"""What the screens receive: the board in the office's words with each gone-in call's time on screen, waits
as a display says them, the office's day as it is today, and counsellors' arrivals without visit ids."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4
from zoneinfo import ZoneInfo

import orjson
from visitflow_events import (
    Event,
    LineWait,
    RoomClosed,
    RoomOpened,
    ServiceStarted,
    VisitKind,
    VisitorCalled,
    VisitorQueued,
    WaitEstimate,
    WaitsEstimated,
)
from visitflow_notify.domain import Board, apply
from visitflow_notify.domain.views import counsellor_view, current, day_view, display_view
from visitflow_offices import OSLO, load_offices

OFFICES = load_offices(Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml")
LOTEN = OFFICES.offices["loten"]
MONDAY_NOON = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # 12:30 in Oslo
LINGER = timedelta(minutes=10)


def fields(visit_id: object, ticket: str, minutes: int = 0) -> dict[str, object]:
    return {
        "event_id": uuid4(),
        "occurred_at": MONDAY_NOON + timedelta(minutes=minutes),
        "office_id": "loten",
        "correlation_id": uuid4(),
        "producer": "queue",
        "visit_id": visit_id,
        "business_date": date(2026, 11, 23),
        "ticket": ticket,
    }


def queued(
    ticket: str, line_id: str = "drop_in", wait_s: int = 0, counsellor_id: str | None = None
) -> VisitorQueued:
    return VisitorQueued(
        **fields(uuid4(), ticket),
        line_id=line_id,
        kind=VisitKind.APPOINTMENT if counsellor_id else VisitKind.DROP_IN,
        reason="counsellor_appointment" if counsellor_id else "case_status",
        checked_in_at=MONDAY_NOON,
        counsellor_id=counsellor_id,
        position=1,
        estimated_wait_s=wait_s,
    )


def board(*events: Event) -> Board:
    result = Board(office_id="loten")
    for event in events:
        result = apply(result, event)
    return result


def test_the_board_names_rooms_and_says_until_when_a_gone_in_call_is_shown() -> None:
    went_in, waits = uuid4(), uuid4()
    shown = board(
        VisitorCalled(**fields(went_in, "D-001"), line_id="drop_in", room_id="samtalerom-2", call_number=1),
        VisitorCalled(**fields(waits, "D-002", 1), line_id="drop_in", room_id="moterom-1", call_number=1),
        ServiceStarted(**fields(went_in, "D-001", 2), room_id="samtalerom-2"),
    )

    view = display_view(shown, LOTEN, MONDAY_NOON + timedelta(minutes=3), LINGER)

    assert [(c["ticket"], c["room"], c["gone_in"]) for c in view["calls"]] == [
        ("D-002", "Møterom 1", False),
        ("D-001", "Samtalerom 2", True),
    ]
    assert view["calls"][0]["until"] is None
    assert datetime.fromisoformat(view["calls"][1]["until"]) == MONDAY_NOON + timedelta(minutes=12)
    assert "visit_id" not in orjson.dumps(view).decode()

    later = MONDAY_NOON + timedelta(minutes=13)
    assert [c["ticket"] for c in display_view(shown, LOTEN, later, LINGER)["calls"]] == ["D-002"]
    assert [c["ticket"] for c in current(view, later)["calls"]] == ["D-002"]  # a stored board read later


def estimated(**lines: tuple[int, int, int]) -> WaitsEstimated:
    """The queue's estimates per line: (low, expected, high) in minutes."""
    return WaitsEstimated(
        **{k: v for k, v in fields(uuid4(), "D-001").items() if k not in ("visit_id", "ticket")},
        lines=tuple(
            LineWait(
                line_id=line_id,
                waiting=1,
                estimate=WaitEstimate(expected_s=mid * 60, low_s=low * 60, high_s=high * 60),
            )
            for line_id, (low, mid, high) in lines.items()
        ),
    )


def test_every_line_is_listed_with_the_queues_estimate_or_none_when_nobody_waits() -> None:
    view = display_view(
        board(
            queued("D-001", wait_s=11 * 60),
            queued("D-002", wait_s=3 * 60),  # the newest arrival's figure is not what the display says
            estimated(drop_in=(12, 14, 16), emergency=(0, 0, 0), self_service=(30, 50, 70)),
            queued("S-001", "self_service"),
        ),
        LOTEN,
        MONDAY_NOON,
        LINGER,
    )

    lines = {line["line_id"]: line for line in view["lines"]}
    assert set(lines) == {line.id for line in LOTEN.lines}
    assert (lines["drop_in"]["waiting"], lines["drop_in"]["expected_minutes"]) == (2, 15)
    assert lines["drop_in"]["expected_minutes_to"] is None
    assert (lines["self_service"]["expected_minutes"], lines["self_service"]["expected_minutes_to"]) == (
        30,
        70,
    )
    assert (lines["emergency"]["waiting"], lines["emergency"]["expected_minutes"]) == (0, None)
    assert lines["drop_in"]["name"] == "Drop-in"
    assert not lines["drop_in"]["no_room"]


def test_a_line_says_no_room_open_when_the_queue_found_every_room_closed() -> None:
    closed = WaitEstimate(expected_s=0, low_s=0, high_s=0, no_room=True)
    event = estimated(drop_in=(0, 0, 0))
    event = event.model_copy(update={"lines": (LineWait(line_id="drop_in", waiting=1, estimate=closed),)})
    view = display_view(board(queued("D-001"), event), LOTEN, MONDAY_NOON, LINGER)

    (line,) = [line for line in view["lines"] if line["line_id"] == "drop_in"]
    assert line["no_room"] is True


def test_the_day_is_the_offices_own_in_the_configured_zone() -> None:
    late = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # Tuesday 00:30 in Oslo, Monday 18:30 in New York
    assert day_view(LOTEN, late, OSLO)["date"] == "2026-11-24"
    in_new_york = day_view(LOTEN, late, ZoneInfo("America/New_York"))
    assert in_new_york["date"] == "2026-11-23"
    assert in_new_york["open_today"] == ["08:00-15:30"]  # Monday's hours, closed by 18:30
    assert in_new_york["drop_in_open"] is False


def test_the_day_is_todays_at_the_moment_asked() -> None:
    monday = day_view(LOTEN, MONDAY_NOON, OSLO)
    tuesday = day_view(LOTEN, MONDAY_NOON + timedelta(days=1), OSLO)

    assert monday == {
        "date": "2026-11-23",
        "open_today": ["08:00-15:30"],
        "drop_in_today": ["12:00-15:00"],
        "drop_in_open": True,
    }
    assert tuesday["drop_in_today"] == []  # Løten: drop-in Monday, Wednesday and Friday
    assert tuesday["drop_in_open"] is False


def test_counsellors_see_their_labels_and_arrivals_by_ticket_and_time_only() -> None:
    shown = board(
        queued("T-001", "appointment", counsellor_id="veileder-2"),
        queued("T-002", "appointment", counsellor_id="veileder-99"),  # not (or no longer) configured
    )

    view = counsellor_view(shown, LOTEN)

    assert {"counsellor_id": "veileder-2", "name": "Veileder 2"} in view["counsellors"]
    assert view["arrivals"] == [
        {
            "ticket": "T-001",
            "counsellor_id": "veileder-2",
            "arrived_at": MONDAY_NOON.isoformat(),
            "stage": "waiting",
            "room": None,
        }
    ]


def test_the_display_names_the_rooms_out_of_service() -> None:
    room = {k: v for k, v in fields(uuid4(), "D-001").items() if k not in ("visit_id", "ticket")}
    closed = board(RoomClosed(**room, room_id="samtalerom-2"), RoomClosed(**room, room_id="samtalerom-3"))
    reopened = apply(closed, RoomOpened(**room, room_id="samtalerom-3"))

    assert display_view(closed, LOTEN, MONDAY_NOON, LINGER)["rooms_closed"] == [
        "Samtalerom 2",
        "Samtalerom 3",
    ]
    assert display_view(reopened, LOTEN, MONDAY_NOON, LINGER)["rooms_closed"] == ["Samtalerom 2"]


def test_the_display_says_until_when_a_room_is_closed_where_its_host_said() -> None:
    room = {k: v for k, v in fields(uuid4(), "D-001").items() if k not in ("visit_id", "ticket")}
    lunch = MONDAY_NOON + timedelta(minutes=45)
    closed = board(
        RoomClosed(**room, room_id="samtalerom-2", until=lunch), RoomClosed(**room, room_id="samtalerom-3")
    )
    said_again = apply(closed, RoomClosed(**{**room, "event_id": uuid4()}, room_id="samtalerom-2"))
    reopened = apply(closed, RoomOpened(**room, room_id="samtalerom-2"))

    assert display_view(closed, LOTEN, MONDAY_NOON, LINGER)["rooms_closed_until"] == {
        "Samtalerom 2": lunch.isoformat()
    }
    # closed again until further notice, or opened: no time any more
    assert display_view(said_again, LOTEN, MONDAY_NOON, LINGER)["rooms_closed_until"] == {}
    assert display_view(reopened, LOTEN, MONDAY_NOON, LINGER)["rooms_closed_until"] == {}
    assert display_view(reopened, LOTEN, MONDAY_NOON, LINGER)["rooms_closed"] == ["Samtalerom 3"]


def test_the_display_points_to_the_visitors_page_only_where_the_office_turns_it_on() -> None:
    hamar = OFFICES.offices["hamar"]  # turned on in the shipped configuration
    assert hamar.policy.visitor_page_on_display
    assert display_view(Board(office_id="hamar"), hamar, MONDAY_NOON, LINGER)["follow_on_phone"] is True
    assert display_view(Board(office_id="loten"), LOTEN, MONDAY_NOON, LINGER)["follow_on_phone"] is False
