"""Opening hours and drop-in windows at given instants, for NAV Løten from the shipped configuration."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from visitflow_offices import (
    OSLO,
    Office,
    Span,
    business_date,
    calendar,
    closing_time,
    load_offices,
    local_instant,
    office_hours,
    opening_span,
)
from visitflow_offices.model import Weekday, Window

CONFIG = Path(__file__).resolve().parents[3] / "deploy" / "config" / "offices.yaml"


def office(office_id: str = "loten") -> Office:
    found = load_offices(CONFIG).office(office_id)
    assert found is not None
    return found


def oslo(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=OSLO)


def test_monday_12_30_drop_in_is_open() -> None:
    hours = office_hours(office(), oslo(23, 12, 30), OSLO)

    assert hours.is_open
    assert hours.drop_in_open
    assert not hours.holiday
    assert hours.opening_today == (Span(time(8, 0), time(15, 30)),)
    assert hours.drop_in_today == (Span(time(12, 0), time(15, 0)),)
    assert hours.next_drop_in == oslo(25, 12, 0)  # the next *start*, not the current window
    assert hours.next_opening == oslo(24, 8, 0)


def test_tuesday_12_30_the_office_is_open_but_drop_in_is_not() -> None:
    hours = office_hours(office(), oslo(24, 12, 30), OSLO)

    assert hours.is_open
    assert not hours.drop_in_open
    assert hours.drop_in_today == ()
    assert hours.next_drop_in == oslo(25, 12, 0)
    assert hours.next_drop_in is not None
    assert hours.next_drop_in.weekday() == 2  # Wednesday


def test_saturday_is_closed_and_next_opening_is_monday() -> None:
    hours = office_hours(office(), oslo(28, 12, 0), OSLO)

    assert not hours.is_open
    assert not hours.drop_in_open
    assert not hours.holiday
    assert hours.opening_today == ()
    assert hours.next_opening == oslo(30, 8, 0)
    assert hours.next_drop_in == oslo(30, 12, 0)


def test_christmas_day_is_a_closed_holiday() -> None:
    hours = office_hours(office(), oslo(25, 12, 30, month=12), OSLO)  # a Friday, normally with drop-in

    assert hours.holiday
    assert not hours.is_open
    assert not hours.drop_in_open
    assert hours.opening_today == ()
    assert hours.drop_in_today == ()
    # 26-27 December is a weekend, the 28th a Monday
    assert hours.next_opening == datetime(2026, 12, 28, 8, 0, tzinfo=OSLO)
    assert hours.next_drop_in == datetime(2026, 12, 28, 12, 0, tzinfo=OSLO)


@pytest.mark.parametrize(
    ("hour", "minute", "is_open"),
    [(7, 59, False), (8, 0, True), (15, 29, True), (15, 30, False)],
)
def test_opening_hours_boundaries(hour: int, minute: int, is_open: bool) -> None:
    assert office_hours(office(), oslo(24, hour, minute), OSLO).is_open is is_open


@pytest.mark.parametrize(
    ("hour", "minute", "drop_in_open"),
    [(11, 59, False), (12, 0, True), (14, 59, True), (15, 0, False)],
)
def test_drop_in_boundaries(hour: int, minute: int, drop_in_open: bool) -> None:
    assert office_hours(office(), oslo(23, hour, minute), OSLO).drop_in_open is drop_in_open


def test_before_opening_the_next_opening_is_today() -> None:
    hours = office_hours(office(), oslo(23, 7, 59), OSLO)

    assert hours.next_opening == oslo(23, 8, 0)
    assert hours.next_drop_in == oslo(23, 12, 0)


def test_an_instant_in_utc_is_judged_in_oslo_time() -> None:
    at = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # 12:30 in Oslo (CET, +01:00)

    hours = office_hours(office(), at, OSLO)

    assert hours.drop_in_open
    assert hours.local_time.utcoffset() == oslo(23, 12).utcoffset()
    assert hours.local_time.hour == 12


def test_summer_time_is_respected() -> None:
    at = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # 08:00 in Oslo (CEST, +02:00), a Monday

    hours = office_hours(office(), at, OSLO)

    assert hours.is_open
    assert hours.local_time.hour == 8


def test_closing_time() -> None:
    loten = office()

    assert closing_time(loten, date(2026, 11, 23), OSLO) == oslo(23, 15, 30)
    assert closing_time(loten, date(2026, 11, 28), OSLO) is None  # Saturday
    assert closing_time(loten, date(2026, 12, 24), OSLO) is None  # Christmas Eve


def test_business_date_is_the_oslo_date() -> None:
    late_evening_utc = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # 00:30 on the 24th in Oslo

    assert business_date(late_evening_utc) == date(2026, 11, 24)
    assert business_date(datetime(2026, 11, 23, 22, 59, tzinfo=UTC)) == date(2026, 11, 23)


def test_span_label() -> None:
    assert Span(time(12, 0), time(15, 0)).label() == "12:00-15:00"


def test_halden_has_drop_in_every_weekday_morning() -> None:
    halden = office("halden")

    assert office_hours(halden, oslo(24, 9, 0), OSLO).drop_in_open
    assert not office_hours(halden, oslo(24, 8, 59), OSLO).drop_in_open


# --- wall-clock times on the days the clocks change ---------------------------------------------------


def test_a_wall_time_is_the_instant_the_offices_clock_shows_it() -> None:
    assert local_instant(datetime(2026, 11, 23, 15, 40), OSLO) == datetime(2026, 11, 23, 14, 40, tzinfo=UTC)
    assert local_instant(datetime(2026, 6, 1, 15, 40), OSLO) == datetime(2026, 6, 1, 13, 40, tzinfo=UTC)


@pytest.mark.parametrize("minute", [0, 30, 59])
def test_a_time_the_clocks_skip_is_read_with_the_offset_before_the_change(minute: int) -> None:
    # 29 March 2026: at 02:00 winter time (+01:00) the clocks in Oslo go forward to 03:00 summer time
    skipped = local_instant(datetime(2026, 3, 29, 2, minute), OSLO)

    assert skipped == datetime(2026, 3, 29, 1, minute, tzinfo=UTC)  # as if the change had not happened yet
    assert skipped.replace(tzinfo=None) == datetime(2026, 3, 29, 3, minute)  # shown as the clocks show it
    assert skipped.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize("minute", [0, 30, 59])
def test_a_time_the_clocks_show_twice_is_its_first_occurrence(minute: int) -> None:
    # 25 October 2026: at 03:00 summer time (+02:00) the clocks in Oslo go back to 02:00 winter time
    repeated = local_instant(datetime(2026, 10, 25, 2, minute), OSLO)

    # (compared in UTC: Python never finds a time of the repeated hour equal to one of another zone)
    assert repeated.astimezone(UTC) == datetime(2026, 10, 25, 0, minute, tzinfo=UTC)
    assert repeated.replace(tzinfo=None) == datetime(2026, 10, 25, 2, minute)
    assert repeated.utcoffset() == timedelta(hours=2)


def test_the_hours_either_side_of_a_change_are_read_plainly() -> None:
    assert local_instant(datetime(2026, 3, 29, 1, 59), OSLO) == datetime(2026, 3, 29, 0, 59, tzinfo=UTC)
    assert local_instant(datetime(2026, 3, 29, 3, 0), OSLO) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert local_instant(datetime(2026, 10, 25, 1, 59), OSLO) == datetime(2026, 10, 24, 23, 59, tzinfo=UTC)
    assert local_instant(datetime(2026, 10, 25, 3, 0), OSLO) == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)


# --- the opening span an instant lies in ----------------------------------------------------------------


def test_the_opening_span_of_an_instant_in_opening_hours() -> None:
    assert opening_span(office(), oslo(24, 8, 0), OSLO) == (oslo(24, 8, 0), oslo(24, 15, 30))
    assert opening_span(office(), oslo(24, 15, 29), OSLO) == (oslo(24, 8, 0), oslo(24, 15, 30))
    assert opening_span(office(), datetime(2026, 11, 24, 11, 0, tzinfo=UTC), OSLO) == (
        oslo(24, 8, 0),
        oslo(24, 15, 30),
    )


@pytest.mark.parametrize(
    "at",
    [oslo(24, 7, 59), oslo(24, 15, 30), oslo(28, 12, 0), datetime(2026, 12, 24, 10, 0, tzinfo=OSLO)],
    ids=["before-opening", "at-closing", "saturday", "christmas-eve"],
)
def test_no_opening_span_while_the_office_is_closed(at: datetime) -> None:
    assert opening_span(office(), at, OSLO) is None


def test_each_windows_own_spans_are_given_however_many_were_asked_about_before() -> None:
    monday = date(2026, 11, 23)
    days = [monday + timedelta(days=n) for n in range(7)]

    def from_scratch(windows: tuple[Window, ...], day: date) -> tuple[calendar.Span, ...]:
        weekday = list(Weekday)[day.weekday()]
        return tuple(sorted(calendar.Span(w.start, w.end) for w in windows if weekday in w.days))

    for n in range(calendar.BY_WEEKDAY_KEPT + 10):  # past the bound: the cache starts again
        windows = (
            Window(days=(list(Weekday)[n % 7],), start=time(8 + n % 5), end=time(15)),
            Window(days=tuple(list(Weekday)[:5]), start=time(7), end=time(7, 30 + n % 20)),
        )
        for day in days:
            assert calendar._spans(windows, day, ()) == from_scratch(windows, day)
