"""The one envelope builder and the correlation ids: what a message is about."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from visitflow_events import (
    CloseRoom,
    RoomClosed,
    booking_correlation,
    new_envelope,
    office_day_correlation,
    visit_correlation,
)

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
DAY = date(2026, 11, 23)


def test_an_envelope_makes_an_event_or_a_command_and_says_what_it_is_about() -> None:
    about, cause = office_day_correlation("halden", DAY), uuid4()
    event = RoomClosed(
        **new_envelope(
            event_id=uuid4(),
            occurred_at=NOW,
            office_id="halden",
            correlation_id=about,
            causation_id=cause,
            producer="queue",
        ),
        business_date=DAY,
        room_id="samtalerom-1",
    )
    assert (event.correlation_id, event.causation_id, event.office_id) == (about, cause, "halden")
    command_id = uuid4()
    command = CloseRoom(
        **new_envelope(
            command_id=command_id, occurred_at=NOW, office_id="halden", correlation_id=about, producer="host"
        ),
        room_id="samtalerom-1",
    )
    assert (command.message_id, command.correlation_id, command.causation_id) == (command_id, about, None)


@pytest.mark.parametrize("ids", [{}, {"event_id": uuid4(), "command_id": uuid4()}])
def test_an_envelope_has_exactly_one_of_an_event_id_and_a_command_id(ids: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="an event_id or a command_id"):
        new_envelope(occurred_at=NOW, office_id="halden", correlation_id=uuid4(), producer="queue", **ids)  # type: ignore[arg-type]


def test_a_visit_is_its_own_correlation_id_and_bookings_and_office_days_have_stable_distinct_ones() -> None:
    visit = uuid4()
    assert visit_correlation(visit) == visit
    assert booking_correlation("halden", "B-1") == booking_correlation("halden", "B-1")
    assert (
        len(
            {
                booking_correlation("halden", "B-1"),
                booking_correlation("halden", "B-2"),
                booking_correlation("loten", "B-1"),
                office_day_correlation("halden", DAY),
                office_day_correlation("halden", date(2026, 11, 24)),
                office_day_correlation("loten", DAY),
            }
        )
        == 6
    )
