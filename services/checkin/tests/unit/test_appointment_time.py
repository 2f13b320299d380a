"""An appointment's time is read on the office's clock: a tablet set to the wrong zone cannot shift it.
`HH:MM` is that time on the check-in's date in the office's zone, a date and time without an offset is
that wall-clock time there, and an explicit offset is honoured as the instant it names."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from pydantic import ValidationError
from visitflow_checkin.domain import AppointmentIn, appointment_start
from visitflow_offices import OSLO

CHECKED_IN = datetime(2026, 11, 23, 15, 0, tzinfo=OSLO)


def given(starts_at: object) -> datetime | time:
    """What the check-in body's `appointment.starts_at` holds once the request is read."""
    return AppointmentIn(reference="TA-4K7Q", starts_at=starts_at).starts_at


def starts(starts_at: str, checked_in: datetime = CHECKED_IN) -> datetime:
    return appointment_start(given(starts_at), checked_in, OSLO)


@pytest.mark.parametrize("starts_at", ["15:40", "15:40:00", "2026-11-23T15:40", "2026-11-23T15:40:00"])
def test_a_time_without_an_offset_is_the_offices_wall_clock_time(starts_at: str) -> None:
    assert starts(starts_at) == datetime(2026, 11, 23, 15, 40, tzinfo=OSLO)
    assert starts(starts_at).utcoffset() == timedelta(hours=1)  # winter time in Oslo


def test_a_time_of_day_is_on_the_check_ins_date_in_the_offices_zone_not_in_utc() -> None:
    just_after_midnight = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # 00:30 on the 24th in Oslo

    assert starts("08:10", just_after_midnight) == datetime(2026, 11, 24, 8, 10, tzinfo=OSLO)


def test_a_time_of_day_in_summer_has_the_summer_offset() -> None:
    june = datetime(2026, 6, 1, 9, 0, tzinfo=OSLO)

    assert starts("09:20", june).utcoffset() == timedelta(hours=2)
    assert starts("09:20", june) == datetime(2026, 6, 1, 7, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("starts_at", "offset"),
    [
        ("2026-11-23T14:40:00Z", timedelta(0)),
        ("2026-11-23T14:40:00.000Z", timedelta(0)),
        ("2026-11-23T15:40:00+01:00", timedelta(hours=1)),
        ("2026-11-23T16:40+02:00", timedelta(hours=2)),
    ],
)
def test_an_explicit_offset_is_honoured_as_the_instant_it_names(starts_at: str, offset: timedelta) -> None:
    assert starts(starts_at) == starts("15:40") == datetime(2026, 11, 23, 15, 40, tzinfo=OSLO)
    assert starts(starts_at).utcoffset() == offset  # kept as given


# --- the days the clocks change (Europe/Oslo: last Sunday of March 02:00 -> 03:00, last Sunday of
# October 03:00 -> 02:00); the rule is `visitflow_offices.local_instant`'s, as iCalendar reads such times


def test_a_skipped_wall_time_is_read_with_the_offset_before_the_change() -> None:
    spring = datetime(2026, 3, 29, 1, 0, tzinfo=OSLO)

    for starts_at in ("02:30", "2026-03-29T02:30"):
        assert starts(starts_at, spring) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 02:30 at +01:00
        assert (starts(starts_at, spring).hour, starts(starts_at, spring).utcoffset()) == (
            3,
            timedelta(hours=2),
        )


def test_a_wall_time_shown_twice_is_its_first_occurrence() -> None:
    autumn = datetime(2026, 10, 25, 1, 0, tzinfo=OSLO)

    for starts_at in ("02:30", "2026-10-25T02:30"):
        # (compared in UTC: Python never finds a time of the repeated hour equal to one of another zone)
        assert starts(starts_at, autumn).astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
        assert starts(starts_at, autumn).utcoffset() == timedelta(hours=2)


def test_on_a_changeover_day_the_hours_after_the_change_have_the_new_offset() -> None:
    assert starts("12:00", datetime(2026, 3, 29, 1, 0, tzinfo=OSLO)).utcoffset() == timedelta(hours=2)
    assert starts("12:00", datetime(2026, 10, 25, 1, 0, tzinfo=OSLO)).utcoffset() == timedelta(hours=1)


# --- the forms refused -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "starts_at",
    [
        "15:40+01:00",  # an offset belongs with a date
        "24:00",
        "2026-02-30T10:00",
        "2026-11-23 15:40",
        "2026-11-23T15",
        "15.40",
        "15:40\n",
        "١٥:٤٠",  # digits of another script
        "",
        1_795_000_000,  # a Unix time
    ],
)
def test_other_forms_are_refused_without_quoting_them(starts_at: object) -> None:
    with pytest.raises(ValidationError) as refused:
        given(starts_at)

    (error,) = refused.value.errors()
    assert error["loc"] == ("starts_at",)
    assert "HH:MM" in error["msg"]
    assert not isinstance(starts_at, str) or not starts_at or starts_at.strip() not in error["msg"]


def test_the_openapi_description_says_how_the_time_is_read() -> None:
    schema = AppointmentIn.model_json_schema()["properties"]["starts_at"]

    assert schema["type"] == "string"
    assert "office's clock" in schema["description"]
    assert "first occurrence" in schema["description"]
    assert "offset" in schema["description"]
    assert "15:40" in schema["examples"]
