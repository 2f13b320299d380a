"""What an imported booking changes, and which bookings of a counsellor overlap."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from visitflow_checkin.domain import Booking, BookingStatus, Change, Recorded, change_of, overlapping
from visitflow_events import Reason

TEN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def booking(start: datetime = TEN, minutes: int = 30, **fields: object) -> Booking:
    values: dict[str, object] = {
        "booking_id": "TA-AAAA",
        "office_id": "halden",
        "counsellor_id": "veileder-1",
        "starts_at": start,
        "duration_minutes": minutes,
        "reason": Reason.COUNSELLOR_APPOINTMENT,
        "status": BookingStatus.BOOKED,
        "business_date": date(2026, 11, 23),
        **fields,
    }
    return Booking(**values)  # type: ignore[arg-type]


def recorded(b: Booking, version: int = 1) -> Recorded:
    return Recorded(
        version=version,
        fingerprint=b.fingerprint(),
        counsellor_id=b.counsellor_id,
        starts_at=b.starts_at,
        ends_at=b.ends_at,
        cancelled=b.status is BookingStatus.CANCELLED,
    )


def test_a_new_booking_is_booked_and_the_same_again_unchanged() -> None:
    assert change_of(booking(), None) is Change.BOOKED
    assert change_of(booking(), recorded(booking())) is Change.UNCHANGED


@pytest.mark.parametrize(
    "moved",
    [
        {"start": TEN + timedelta(hours=1)},
        {"minutes": 45},
        {"counsellor_id": "veileder-2"},
        {"reason": Reason.JOB_SEEKING},
    ],
)
def test_any_other_time_length_counsellor_or_reason_is_a_reschedule(moved: dict[str, object]) -> None:
    assert change_of(booking(**moved), recorded(booking())) is Change.RESCHEDULED  # type: ignore[arg-type]


def test_a_cancellation_is_cancelled_once_and_a_booking_after_it_is_booked_again() -> None:
    cancelled = booking(status=BookingStatus.CANCELLED)
    assert change_of(cancelled, recorded(booking())) is Change.CANCELLED
    assert change_of(cancelled, recorded(cancelled)) is Change.UNCHANGED
    assert change_of(booking(start=TEN + timedelta(days=1)), recorded(cancelled)) is Change.BOOKED


def test_overlaps_are_the_same_counsellors_live_bookings_whose_time_meets() -> None:
    mine = booking()
    others = [
        ("TA-BBBB", recorded(booking(TEN + timedelta(minutes=15), booking_id="TA-BBBB"))),
        ("TA-CCCC", recorded(booking(TEN + timedelta(minutes=30), booking_id="TA-CCCC"))),  # starts at my end
        ("TA-DDDD", recorded(booking(TEN, booking_id="TA-DDDD", counsellor_id="veileder-2"))),
        ("TA-EEEE", recorded(booking(TEN, booking_id="TA-EEEE", status=BookingStatus.CANCELLED))),
        ("TA-AAAA", recorded(mine)),  # itself
    ]
    assert overlapping(mine, others) == ["TA-BBBB"]
    assert overlapping(booking(status=BookingStatus.CANCELLED), others) == []
