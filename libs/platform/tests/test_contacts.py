"""A phone number is kept until midnight (Europe/Oslo) of the visit's day, by the service's clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

from visitflow_platform.contacts import end_of_day, seconds_left

DAY = date(2026, 11, 23)


def test_the_day_ends_at_midnight_in_oslo() -> None:
    assert end_of_day(DAY) == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # CET is UTC+1


def test_the_time_left_is_counted_from_the_clock_given() -> None:
    assert seconds_left(DAY, datetime(2026, 11, 23, 11, 30, tzinfo=UTC)) == 11.5 * 3600
    assert seconds_left(DAY, datetime(2026, 11, 23, 22, 59, 59, 500_000, tzinfo=UTC)) == 1


def test_a_day_already_over_still_gives_redis_a_valid_expiry() -> None:
    assert seconds_left(DAY, datetime(2026, 11, 24, 9, 0, tzinfo=UTC)) == 1
