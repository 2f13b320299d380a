"""A check-in's time is the tap's, read from a tablet's UUIDv7 key, when that is plausibly real."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from visitflow_checkin.domain import check_in_time
from visitflow_offices import ScaledClock
from visitflow_platform.ids import uuid7, uuid7_time

REAL_NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC).timestamp()
START = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)


def test_a_uuid7_carries_the_millisecond_it_was_made_at() -> None:
    key = uuid7(1_795_000_000_123)
    assert key.version == 7
    assert key.variant == uuid.RFC_4122
    assert uuid7_time(str(key)) == 1_795_000_000.123
    assert uuid7_time(key.hex) == 1_795_000_000.123  # in any spelling the key header allows
    assert uuid7(1) != uuid7(1)  # and random bits after it


@pytest.mark.parametrize("key", [str(uuid.uuid4()), uuid.uuid1().hex, "tablet-7-tap-000001", "0" * 32])
def test_a_key_of_another_form_carries_no_time(key: str) -> None:
    assert uuid7_time(key) is None


@pytest.mark.parametrize("skew", [0, -599, 599, 600, -600])
def test_a_tap_within_ten_minutes_of_now_is_the_check_ins_time_on_the_services_clock(skew: float) -> None:
    clock = ScaledClock(start=START, speed=60, epoch=REAL_NOW - 60)  # a simulated hour in a real minute
    tapped = REAL_NOW + skew

    assert check_in_time(clock, tapped, REAL_NOW) == START + timedelta(seconds=(60 + skew) * 60)


@pytest.mark.parametrize("tapped", [None, REAL_NOW - 601, REAL_NOW + 3600, 0.0])
def test_otherwise_the_check_in_happens_at_the_clocks_now(
    monkeypatch: pytest.MonkeyPatch, tapped: float | None
) -> None:
    clock = ScaledClock(start=START, speed=60, epoch=REAL_NOW - 60)
    monkeypatch.setattr(time, "time", lambda: REAL_NOW)

    assert check_in_time(clock, tapped, REAL_NOW) == clock.now() == START + timedelta(hours=1)
