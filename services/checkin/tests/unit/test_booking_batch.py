"""A booking import's request holds one to `MAX_BOOKINGS_PER_IMPORT` bookings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from visitflow_checkin.api.schemas import BookingBatch
from visitflow_checkin.domain.bookings import MAX_BOOKINGS_PER_IMPORT

BOOKING = {
    "booking_id": "TA-4K7Q",
    "office_id": "halden",
    "counsellor_id": "veileder-3",
    "starts_at": "2026-11-23T10:30:00+01:00",
    "duration_minutes": 30,
}


def test_a_batch_holds_one_to_the_most_bookings_per_import() -> None:
    most = BookingBatch.model_validate({"bookings": [BOOKING] * MAX_BOOKINGS_PER_IMPORT})
    assert len(most.bookings) == MAX_BOOKINGS_PER_IMPORT == 100
    for count in (0, MAX_BOOKINGS_PER_IMPORT + 1):
        with pytest.raises(ValidationError):
            BookingBatch.model_validate({"bookings": [BOOKING] * count})
