"""The booking import as the use case does it (`handlers.BookingImport`), with fakes for Kafka and for
what the import recorded of each booking: a batch checked whole before anything is published, changes
published together and only then recorded, a resend publishing nothing new, and an import that failed
half way sent again making the same events. The routes, the CSV file and the real Redis and Kafka are
the integration tests' (`test_booking_import.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from visitflow_checkin.domain import BookingIn, Change, ImportAnswer, Recorded, Refusal
from visitflow_checkin.handlers import BookingImport
from visitflow_events import AppointmentBooked, AppointmentCancelled, AppointmentRescheduled, Message
from visitflow_offices import OSLO, FixedClock, load_offices
from visitflow_platform.access import Role
from visitflow_platform.auth import Principal
from visitflow_platform.errors import ApiError

CONFIG = Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=OSLO)
TOPIC = "visitflow.appointments.v1"
BOOKING_SYSTEM = Principal(
    subject="booking-system", role=Role.BOOKING, offices=frozenset({"halden", "hamar"})
)


@dataclass
class FakePublisher:
    published: list[tuple[str, Any]] = field(default_factory=list)
    down: bool = False

    async def publish(self, topic: str, message: Message) -> None:
        await self.publish_all(topic, [message])

    async def publish_all(self, topic: str, messages: Sequence[Message]) -> None:
        if self.down:
            raise ApiError(503, "kafka_unavailable", "Kafka did not confirm.")
        self.published += [(topic, message) for message in messages]


@dataclass
class FakeIndex:
    offices: dict[str, dict[str, Recorded]] = field(default_factory=dict)

    async def load(self, office_id: str) -> dict[str, Recorded]:
        return dict(self.offices.get(office_id, {}))

    async def record(
        self, office_id: str, changed: dict[str, Recorded], known: dict[str, Recorded], now: datetime
    ) -> None:
        self.offices.setdefault(office_id, {}).update(changed)


@dataclass
class World:
    bookings: BookingImport
    publisher: FakePublisher
    index: FakeIndex
    counted: list[str]


def world() -> World:
    publisher, index = FakePublisher(), FakeIndex()
    counted: list[str] = []
    bookings = BookingImport(
        offices=load_offices(CONFIG),
        clock=FixedClock(NOW),
        publisher=publisher,
        index=index,
        topic=TOPIC,
        producer="checkin",
        counted=counted.append,
    )
    return World(bookings, publisher, index, counted)


def booking(booking_id: str = "BK-ABCDE", hours_ahead: int = 2, **fields: Any) -> BookingIn:
    return BookingIn.model_validate(
        {
            "booking_id": booking_id,
            "office_id": "halden",
            "counsellor_id": "veileder-3",
            "starts_at": (NOW + timedelta(hours=hours_ahead)).isoformat(),
            "duration_minutes": 30,
            **fields,
        }
    )


def imported(answer: ImportAnswer | Refusal) -> ImportAnswer:
    assert isinstance(answer, ImportAnswer), answer
    return answer


async def test_a_batch_is_published_together_then_recorded_and_a_resend_publishes_nothing_new() -> None:
    w = world()
    answer = imported(await w.bookings.upsert([booking("BK-ABCDE"), booking("BK-FGHIJ", 4)], BOOKING_SYSTEM))
    assert [r.change for r in answer.results] == [Change.BOOKED, Change.BOOKED]
    assert [type(m) for _, m in w.publisher.published] == [AppointmentBooked, AppointmentBooked]
    assert {t for t, _ in w.publisher.published} == {TOPIC}
    assert set(w.index.offices["halden"]) == {"BK-ABCDE", "BK-FGHIJ"}
    again = imported(await w.bookings.upsert([booking("BK-ABCDE"), booking("BK-FGHIJ", 4)], BOOKING_SYSTEM))
    assert [r.change for r in again.results] == [Change.UNCHANGED, Change.UNCHANGED]
    assert len(w.publisher.published) == 2
    assert w.counted == ["booked", "booked", "unchanged", "unchanged"]


async def test_a_moved_booking_is_rescheduled_and_a_cancelled_one_cancelled_each_its_next_version() -> None:
    w = world()
    await w.bookings.upsert([booking()], BOOKING_SYSTEM)
    moved = imported(await w.bookings.upsert([booking(hours_ahead=3)], BOOKING_SYSTEM))
    cancelled = imported(
        await w.bookings.upsert([booking(hours_ahead=3, status="cancelled")], BOOKING_SYSTEM)
    )
    assert (moved.results[0].change, cancelled.results[0].change) == (Change.RESCHEDULED, Change.CANCELLED)
    events = [m for _, m in w.publisher.published]
    assert [type(e) for e in events] == [AppointmentBooked, AppointmentRescheduled, AppointmentCancelled]
    assert len({e.event_id for e in events}) == 3
    assert w.index.offices["halden"]["BK-ABCDE"].version == 3


@pytest.mark.parametrize(
    ("fields", "code", "place"),
    [
        ({"office_id": "nowhere"}, "unknown_office", "bookings[1].office_id"),
        ({"counsellor_id": "veileder-99"}, "unknown_counsellor", "bookings[1].counsellor_id"),
    ],
)
async def test_an_unknown_office_or_counsellor_refuses_the_whole_batch_naming_the_field(
    fields: dict[str, Any], code: str, place: str
) -> None:
    w = world()
    refused = await w.bookings.upsert([booking("BK-ABCDE"), booking("BK-FGHIJ", **fields)], BOOKING_SYSTEM)
    assert isinstance(refused, Refusal)
    assert (refused.status, refused.code, refused.extra["field"]) == (422, code, place)
    assert "nowhere" not in refused.message
    assert "veileder-99" not in refused.message
    assert w.publisher.published == []
    assert w.index.offices == {}
    assert w.counted == []


async def test_a_booking_twice_in_a_batch_or_too_far_ahead_is_refused_and_nothing_published() -> None:
    w = world()
    repeated = await w.bookings.upsert([booking("BK-ABCDE"), booking("BK-ABCDE", 4)], BOOKING_SYSTEM)
    far = await w.bookings.upsert([booking(hours_ahead=24 * 91)], BOOKING_SYSTEM)
    past = await w.bookings.upsert([booking(hours_ahead=-25)], BOOKING_SYSTEM)
    assert isinstance(repeated, Refusal)
    assert isinstance(far, Refusal)
    assert isinstance(past, Refusal)
    assert (repeated.code, far.code, past.code) == ("repeated_booking",) + ("starts_at_out_of_range",) * 2
    assert far.extra == {"field": "bookings[0].starts_at"}
    assert w.publisher.published == []


async def test_another_offices_booking_is_forbidden() -> None:
    w = world()
    refused = await w.bookings.upsert(
        [booking(office_id="loten", counsellor_id="veileder-1")], BOOKING_SYSTEM
    )
    assert isinstance(refused, Refusal)
    assert refused.status == 403
    assert w.publisher.published == []


async def test_an_import_kafka_did_not_confirm_records_nothing_and_its_resend_makes_the_same_events() -> None:
    w = world()
    w.publisher.down = True
    with pytest.raises(ApiError):
        await w.bookings.upsert([booking()], BOOKING_SYSTEM)
    assert w.index.offices == {}  # recorded only once published
    w.publisher.down = False
    await w.bookings.upsert([booking()], BOOKING_SYSTEM)
    replayed = world()
    await replayed.bookings.upsert([booking()], BOOKING_SYSTEM)
    assert [m.event_id for _, m in w.publisher.published] == [
        m.event_id for _, m in replayed.publisher.published
    ]


async def test_an_overlapping_booking_is_accepted_and_flagged() -> None:
    w = world()
    answer = imported(await w.bookings.upsert([booking("BK-ABCDE"), booking("BK-FGHIJ")], BOOKING_SYSTEM))
    assert [r.overlaps for r in answer.results] == [[], ["BK-ABCDE"]]  # each with those before it
    assert len(w.publisher.published) == 2
