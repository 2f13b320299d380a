"""The check-in policy for NAV Løten (drop-in Mon/Wed/Fri 12-15, open weekdays 08:00-15:30)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from visitflow_checkin.domain import Queue, Redirect, Refuse, alternatives_for, judge
from visitflow_events import Alternative, RedirectCause, VisitKind
from visitflow_offices import OSLO, Office, load_offices, office_hours

CONFIG = Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml"

MONDAY_DROP_IN = datetime(2026, 11, 23, 12, 30, tzinfo=OSLO)
TUESDAY_NOON = datetime(2026, 11, 24, 12, 30, tzinfo=OSLO)
SUNDAY_NIGHT = datetime(2026, 11, 22, 3, 0, tzinfo=OSLO)


def office(office_id: str = "loten", **changes: object) -> Office:
    found = load_offices(CONFIG).office(office_id)
    assert found is not None
    return found.model_copy(update=changes) if changes else found


def verdict(
    at: datetime,
    kind: VisitKind,
    appointment_at: datetime | None = None,
    where: Office | None = None,
) -> Queue | Redirect | Refuse:
    return judge(where or office(), at, kind, appointment_at, OSLO)


# --- emergencies -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "at", [MONDAY_DROP_IN, TUESDAY_NOON, SUNDAY_NIGHT], ids=["drop-in", "tue", "sun-3am"]
)
def test_emergencies_are_always_queued(at: datetime) -> None:
    assert verdict(at, VisitKind.EMERGENCY) == Queue(VisitKind.EMERGENCY)


def test_emergencies_are_queued_on_a_holiday() -> None:
    christmas = datetime(2026, 12, 25, 12, 30, tzinfo=OSLO)

    assert verdict(christmas, VisitKind.EMERGENCY) == Queue(VisitKind.EMERGENCY)


# --- drop-in -----------------------------------------------------------------------------------------


def test_drop_in_inside_the_window_is_queued() -> None:
    assert verdict(MONDAY_DROP_IN, VisitKind.DROP_IN) == Queue(VisitKind.DROP_IN)


def test_drop_in_outside_the_window_is_redirected_with_alternatives() -> None:
    result = verdict(TUESDAY_NOON, VisitKind.DROP_IN)

    assert isinstance(result, Redirect)
    assert result.cause is RedirectCause.DROP_IN_CLOSED
    assert result.alternatives == (
        Alternative.BOOK_APPOINTMENT,
        Alternative.SELF_SERVICE_PC,
        Alternative.SELF_SERVICE_ONLINE,
        Alternative.CONTACT_CENTRE,
    )
    assert "No drop-in today" in result.message
    assert "Wednesday 25 November at 12:00" in result.message


def test_drop_in_on_a_drop_in_day_outside_its_hours_names_todays_window() -> None:
    result = verdict(datetime(2026, 11, 23, 9, 0, tzinfo=OSLO), VisitKind.DROP_IN)

    assert isinstance(result, Redirect)
    assert result.cause is RedirectCause.DROP_IN_CLOSED
    assert "Drop-in today: 12:00-15:00." in result.message
    assert "Monday 23 November at 12:00" in result.message


def test_an_office_without_public_pcs_does_not_offer_one() -> None:
    no_pcs = office(public_pcs=0)

    result = verdict(TUESDAY_NOON, VisitKind.DROP_IN, where=no_pcs)

    assert isinstance(result, Redirect)
    assert Alternative.SELF_SERVICE_PC not in result.alternatives
    assert alternatives_for(no_pcs) == (
        Alternative.BOOK_APPOINTMENT,
        Alternative.SELF_SERVICE_ONLINE,
        Alternative.CONTACT_CENTRE,
    )


@pytest.mark.parametrize(
    "at",
    [
        SUNDAY_NIGHT,
        datetime(2026, 11, 28, 12, 30, tzinfo=OSLO),  # Saturday
        datetime(2026, 11, 23, 16, 0, tzinfo=OSLO),  # Monday after closing
        datetime(2026, 12, 25, 12, 30, tzinfo=OSLO),  # Christmas Day, a Friday
    ],
    ids=["sunday-3am", "saturday", "monday-evening", "christmas"],
)
def test_drop_in_while_the_office_is_closed_is_refused(at: datetime) -> None:
    result = verdict(at, VisitKind.DROP_IN)

    assert isinstance(result, Refuse)
    assert result.code == "office_closed"
    assert "NAV Løten is closed now" in result.message
    assert result.retry_at == office_hours(office(), at, OSLO).next_opening
    assert result.retry_at is not None
    assert result.retry_at > at


def test_drop_in_refused_at_3am_sunday_can_retry_monday_at_eight() -> None:
    result = verdict(SUNDAY_NIGHT, VisitKind.DROP_IN)

    assert isinstance(result, Refuse)
    assert result.retry_at == datetime(2026, 11, 23, 8, 0, tzinfo=OSLO)


# --- appointments ------------------------------------------------------------------------------------


def test_appointment_without_a_time_is_refused() -> None:
    result = verdict(MONDAY_DROP_IN, VisitKind.APPOINTMENT, None)

    assert isinstance(result, Refuse)
    assert result.code == "appointment_time_missing"
    assert result.retry_at is None


def test_appointment_forty_minutes_early_is_refused_with_a_time_to_come_back() -> None:
    now = TUESDAY_NOON
    appointment = now + timedelta(minutes=40)

    result = verdict(now, VisitKind.APPOINTMENT, appointment)

    assert isinstance(result, Refuse)
    assert result.code == "too_early"
    assert result.retry_at == appointment - timedelta(minutes=30)
    assert "13:10" in result.message  # the appointment
    assert "12:40" in result.message  # when check-in opens


@pytest.mark.parametrize(
    "minutes_before", [30, 10, 0, -15], ids=["30-early", "10-early", "on-time", "15-late"]
)
def test_appointment_within_the_window_is_queued(minutes_before: int) -> None:
    appointment = TUESDAY_NOON + timedelta(minutes=minutes_before)

    assert verdict(TUESDAY_NOON, VisitKind.APPOINTMENT, appointment) == Queue(VisitKind.APPOINTMENT)


def test_appointment_twenty_minutes_late_while_drop_in_is_open_is_queued_as_drop_in() -> None:
    appointment = MONDAY_DROP_IN - timedelta(minutes=20)

    result = verdict(MONDAY_DROP_IN, VisitKind.APPOINTMENT, appointment)

    assert isinstance(result, Queue)
    assert result.kind is VisitKind.DROP_IN
    assert result.note is not None
    assert "missed" in result.note


def test_appointment_late_while_drop_in_is_closed_is_redirected() -> None:
    appointment = TUESDAY_NOON - timedelta(minutes=20)

    result = verdict(TUESDAY_NOON, VisitKind.APPOINTMENT, appointment)

    assert isinstance(result, Redirect)
    assert result.cause is RedirectCause.APPOINTMENT_MISSED
    assert Alternative.BOOK_APPOINTMENT in result.alternatives


def test_appointment_window_comes_from_the_office_policy() -> None:
    loten = office()
    strict = loten.model_copy(
        update={
            "policy": loten.policy.model_copy(
                update={
                    "appointment_checkin": loten.policy.appointment_checkin.model_copy(
                        update={"early_minutes": 5, "late_minutes": 0}
                    )
                }
            )
        }
    )

    early = verdict(TUESDAY_NOON, VisitKind.APPOINTMENT, TUESDAY_NOON + timedelta(minutes=10), strict)
    late = verdict(TUESDAY_NOON, VisitKind.APPOINTMENT, TUESDAY_NOON - timedelta(minutes=1), strict)

    assert isinstance(early, Refuse)
    assert early.code == "too_early"
    assert isinstance(late, Redirect)


def test_appointment_time_in_utc_is_compared_as_the_same_instant() -> None:
    appointment_utc = (TUESDAY_NOON + timedelta(minutes=40)).astimezone(UTC)  # 12:10 UTC is 13:10 in Oslo

    result = verdict(TUESDAY_NOON, VisitKind.APPOINTMENT, appointment_utc)

    assert isinstance(result, Refuse)
    assert "13:10" in result.message  # shown in local time
    assert verdict(TUESDAY_NOON, VisitKind.APPOINTMENT, appointment_utc - timedelta(minutes=30)) == Queue(
        VisitKind.APPOINTMENT
    )


# --- appointments and opening hours ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("checked_in", "starts"),
    [
        (datetime(2026, 11, 23, 15, 33, tzinfo=OSLO), datetime(2026, 11, 23, 15, 40, tzinfo=OSLO)),
        (datetime(2026, 11, 23, 15, 15, tzinfo=OSLO), datetime(2026, 11, 23, 15, 40, tzinfo=OSLO)),
        (datetime(2026, 11, 24, 8, 0, tzinfo=OSLO), datetime(2026, 11, 24, 7, 50, tzinfo=OSLO)),
        (datetime(2026, 11, 27, 15, 0, tzinfo=OSLO), datetime(2026, 11, 28, 10, 0, tzinfo=OSLO)),
        (datetime(2026, 12, 23, 15, 0, tzinfo=OSLO), datetime(2026, 12, 24, 10, 0, tzinfo=OSLO)),
    ],
    ids=["15:40-at-15:33", "15:40-at-15:15", "before-opening", "saturday", "christmas-eve"],
)
def test_an_appointment_outside_opening_hours_is_refused_whenever_it_is_checked_in(
    checked_in: datetime, starts: datetime
) -> None:
    result = verdict(checked_in, VisitKind.APPOINTMENT, starts)

    assert isinstance(result, Refuse)
    assert result.code == "appointment_outside_hours"
    assert result.retry_at is None
    # nothing the request said is quoted back (the office's own hours may be)
    assert f"{starts:%H:%M}" not in result.message.replace("08:00-15:30", "")


def test_the_refusal_of_an_appointment_outside_hours_says_the_hours_of_its_day() -> None:
    evening = verdict(
        datetime(2026, 11, 23, 15, 33, tzinfo=OSLO),
        VisitKind.APPOINTMENT,
        datetime(2026, 11, 23, 15, 40, tzinfo=OSLO),
    )
    weekend = verdict(
        datetime(2026, 11, 27, 15, 0, tzinfo=OSLO),
        VisitKind.APPOINTMENT,
        datetime(2026, 11, 28, 10, 0, tzinfo=OSLO),
    )

    assert isinstance(evening, Refuse)
    assert isinstance(weekend, Refuse)
    assert "the office is open 08:00-15:30" in evening.message
    assert "the office is closed" in weekend.message


def test_an_appointment_may_start_in_the_last_minute_before_closing_but_not_at_closing() -> None:
    last_minute = datetime(2026, 11, 24, 15, 29, tzinfo=OSLO)
    closing = datetime(2026, 11, 24, 15, 30, tzinfo=OSLO)

    at_closing = verdict(closing - timedelta(minutes=10), VisitKind.APPOINTMENT, closing)

    assert verdict(last_minute - timedelta(minutes=5), VisitKind.APPOINTMENT, last_minute) == Queue(
        VisitKind.APPOINTMENT
    )
    assert isinstance(at_closing, Refuse)
    assert at_closing.code == "appointment_outside_hours"


def test_a_visitor_early_for_the_first_appointment_comes_back_when_the_office_opens() -> None:
    starts = datetime(2026, 11, 24, 8, 0, tzinfo=OSLO)

    result = verdict(starts - timedelta(minutes=10), VisitKind.APPOINTMENT, starts)

    assert isinstance(result, Refuse)
    assert result.code == "too_early"
    assert result.retry_at == starts  # not 07:30: the office opens at 08:00
    assert "check-in opens at 08:00, when the office opens" in result.message
    assert verdict(starts, VisitKind.APPOINTMENT, starts) == Queue(VisitKind.APPOINTMENT)


def test_the_early_window_reaches_before_opening_only_up_to_the_opening() -> None:
    starts = datetime(2026, 11, 24, 8, 20, tzinfo=OSLO)  # its window would open at 07:50

    early = verdict(datetime(2026, 11, 24, 7, 55, tzinfo=OSLO), VisitKind.APPOINTMENT, starts)

    assert isinstance(early, Refuse)
    assert early.retry_at == datetime(2026, 11, 24, 8, 0, tzinfo=OSLO)
    assert verdict(datetime(2026, 11, 24, 8, 0, tzinfo=OSLO), VisitKind.APPOINTMENT, starts) == Queue(
        VisitKind.APPOINTMENT
    )


@pytest.mark.parametrize(("hour", "minute"), [(15, 30), (15, 32)], ids=["at-closing", "after-closing"])
def test_check_in_for_an_appointment_ends_when_the_office_closes(hour: int, minute: int) -> None:
    starts = datetime(2026, 11, 24, 15, 20, tzinfo=OSLO)  # its late window would run to 15:35

    result = verdict(datetime(2026, 11, 24, hour, minute, tzinfo=OSLO), VisitKind.APPOINTMENT, starts)

    assert isinstance(result, Redirect)
    assert result.cause is RedirectCause.APPOINTMENT_MISSED
    assert verdict(datetime(2026, 11, 24, 15, 29, tzinfo=OSLO), VisitKind.APPOINTMENT, starts) == Queue(
        VisitKind.APPOINTMENT
    )
