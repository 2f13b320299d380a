"""What a check-in comes to, decided without Kafka or Redis: the event to publish or the refusal with its
code, for NAV Løten (open weekdays 08:00-15:30, drop-in Mon/Wed/Fri 12-15, appointments 30 minutes early
to 15 late)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from visitflow_checkin.domain import (
    Admit,
    CheckInRequest,
    Decision,
    Refusal,
    Steer,
    VisitIds,
    decide_check_in,
)
from visitflow_events import Alternative, RedirectCause, VisitKind
from visitflow_offices import OSLO, Office, Window, load_offices

CONFIG = Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml"
IDS = VisitIds(
    visit_id=UUID("01900000-0000-7000-8000-000000000001"),
    event_id=UUID("01900000-0000-7000-8000-000000000002"),
    producer="checkin",
)

MONDAY_DROP_IN = datetime(2026, 11, 23, 12, 30, tzinfo=OSLO)
TUESDAY_NOON = datetime(2026, 11, 24, 12, 30, tzinfo=OSLO)
TUESDAY_MORNING = datetime(2026, 11, 24, 9, 40, tzinfo=OSLO)
SUNDAY_NIGHT = datetime(2026, 11, 22, 3, 0, tzinfo=OSLO)
CHRISTMAS = datetime(2026, 12, 25, 12, 30, tzinfo=OSLO)


def loten(**changes: object) -> Office:
    found = load_offices(CONFIG).office("loten")
    assert found is not None
    return found.model_copy(update=changes) if changes else found


def open_every_day() -> Office:
    """Løten with opening hours on Sundays too, so that a day the clocks change is an open day."""
    office = loten()
    every_day = Window.model_validate(
        {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "08:00", "end": "15:30"}
    )
    return office.model_copy(
        update={"policy": office.policy.model_copy(update={"opening_hours": (every_day,)})}
    )


def request(kind: str = "drop_in", reason: str = "case_status", **fields: Any) -> CheckInRequest:
    return CheckInRequest.model_validate({"kind": kind, "reason": reason, **fields})


def appointment(starts_at: str, **fields: Any) -> dict[str, Any]:
    return {"reference": "TA-4K7Q", "starts_at": starts_at, **fields}


def decide(
    body: CheckInRequest, at: datetime, office: Office | None = None, device_id: str | None = None
) -> Decision:
    return decide_check_in(body, office or loten(), device_id, at, OSLO, IDS)


def admitted(decision: Decision) -> Admit:
    assert isinstance(decision, Admit), decision
    return decision


def refused(decision: Decision) -> Refusal:
    assert isinstance(decision, Refusal), decision
    return decision


# --- every refusal code ----------------------------------------------------------------------------------

ALTERNATIVES = ["book_appointment", "self_service_pc", "self_service_online", "contact_centre"]


@pytest.mark.parametrize(
    ("body", "at", "device_id", "status", "code", "extra_keys"),
    [
        (request(), MONDAY_DROP_IN, "kiosk-9", 422, "unknown_device", set()),
        (
            request("appointment", appointment=appointment("12:40", counsellor_id="veileder-99")),
            MONDAY_DROP_IN,
            None,
            422,
            "unknown_counsellor",
            set(),
        ),
        (request(line_id="nowhere"), MONDAY_DROP_IN, None, 422, "unknown_line", set()),
        (
            request("appointment", appointment=appointment("2026-11-25T10:00")),
            MONDAY_DROP_IN,
            None,
            422,
            "appointment_out_of_range",
            set(),
        ),
        (request(), SUNDAY_NIGHT, None, 409, "office_closed", {"retry_at", "alternatives"}),
        (request(), TUESDAY_NOON, None, 409, "drop_in_closed", {"alternatives"}),
        (request("appointment"), TUESDAY_NOON, None, 409, "appointment_time_missing", set()),
        (
            request("appointment", appointment=appointment("07:30")),
            TUESDAY_MORNING,
            None,
            409,
            "appointment_outside_hours",
            set(),
        ),
        (
            request("appointment", appointment=appointment("10:30")),
            TUESDAY_MORNING,
            None,
            409,
            "too_early",
            {"retry_at"},
        ),
        (
            request("appointment", appointment=appointment("09:00")),
            TUESDAY_MORNING,
            None,
            409,
            "appointment_missed",
            {"alternatives"},
        ),
    ],
)
def test_every_refusal_has_its_status_code_and_extras(
    body: CheckInRequest, at: datetime, device_id: str | None, status: int, code: str, extra_keys: set[str]
) -> None:
    refusal = refused(decide(body, at, device_id=device_id))

    assert (refusal.status, refusal.code, set(refusal.extra)) == (status, code, extra_keys)
    assert refusal.message
    if "alternatives" in extra_keys:
        assert refusal.extra["alternatives"] == ALTERNATIVES


def test_a_closed_office_says_when_it_opens_as_office_time() -> None:
    refusal = refused(decide(request(), SUNDAY_NIGHT))

    assert refusal.extra["retry_at"] == "2026-11-23T08:00:00+01:00"


def test_an_unknown_id_is_named_by_its_field_never_quoted() -> None:
    for body, device_id, field in [
        (request(), "kiosk-secret", "X-Device-Id"),
        (
            request("appointment", appointment=appointment("12:40", counsellor_id="c-secret")),
            None,
            "counsellor_id",
        ),
        (request(line_id="l-secret"), None, "line_id"),
    ]:
        refusal = refused(decide(body, MONDAY_DROP_IN, device_id=device_id))
        assert field in refusal.message
        assert "secret" not in refusal.message


def test_a_request_naming_what_the_office_lacks_is_refused_before_the_policy() -> None:
    """An unknown device at 3 am on a Sunday is the request's fault (422), not the closed office's (409)."""
    refusal = refused(decide(request(), SUNDAY_NIGHT, device_id="kiosk-9"))

    assert (refusal.status, refusal.code) == (422, "unknown_device")


# --- appointments in office-local time ------------------------------------------------------------------


def test_an_appointment_time_of_day_is_office_time_on_the_check_ins_date() -> None:
    event = admitted(decide(request("appointment", appointment=appointment("10:00")), TUESDAY_MORNING)).event

    assert event.kind is VisitKind.APPOINTMENT
    assert event.line_id == "appointment"
    assert event.appointment is not None
    assert event.appointment.starts_at == datetime(2026, 11, 24, 10, 0, tzinfo=OSLO)
    assert event.appointment.reference == "TA-4K7Q"


def test_an_appointment_window_opens_thirty_minutes_before_on_the_offices_clock() -> None:
    body = request("appointment", appointment=appointment("10:30"))

    too_early = refused(decide(body, datetime(2026, 11, 24, 9, 59, tzinfo=OSLO)))
    assert too_early.extra["retry_at"] == "2026-11-24T10:00:00+01:00"
    assert isinstance(decide(body, datetime(2026, 11, 24, 10, 0, tzinfo=OSLO)), Admit)


def test_an_appointment_in_utc_is_the_same_instant_as_office_time() -> None:
    body = request("appointment", appointment=appointment("2026-11-24T09:00:00Z"))  # 10:00 in Oslo

    assert isinstance(decide(body, TUESDAY_MORNING), Admit)


@pytest.mark.parametrize(
    ("day", "offset"),
    [(date(2026, 3, 29), "+02:00"), (date(2026, 10, 25), "+01:00")],
    ids=["spring-forward", "fall-back"],
)
def test_on_a_day_the_clocks_change_the_window_is_read_on_that_days_office_clock(
    day: date, offset: str
) -> None:
    """After the change the office's wall clock has the day's new offset: an appointment at 08:15 opens
    for check-in at 08:00 local (the opening, not 07:45), whatever the offset was at midnight."""
    office = open_every_day()
    body = request("appointment", appointment=appointment("08:15"))

    early = refused(decide(body, datetime.combine(day, time(7, 50), OSLO), office))
    assert (early.code, early.extra["retry_at"]) == ("too_early", f"{day}T08:00:00{offset}")
    event = admitted(decide(body, datetime.combine(day, time(8, 5), OSLO), office)).event
    assert event.appointment is not None
    assert event.appointment.starts_at.isoformat() == f"{day}T08:15:00{offset}"
    assert event.business_date == day


def test_on_the_changeover_sunday_the_office_is_closed_for_appointments() -> None:
    body = request("appointment", appointment=appointment("10:00"))

    refusal = refused(decide(body, datetime(2026, 10, 25, 9, 45, tzinfo=OSLO)))

    assert refusal.code == "appointment_outside_hours"


def test_a_missed_appointment_while_drop_in_is_open_is_queued_as_drop_in_with_a_note() -> None:
    body = request("appointment", appointment=appointment("12:00"))

    decision = admitted(decide(body, MONDAY_DROP_IN))

    assert (decision.event.kind, decision.event.line_id) == (VisitKind.DROP_IN, "drop_in")
    assert decision.note == "The appointment was missed; queued as drop-in."


# --- emergencies ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "at",
    [SUNDAY_NIGHT, TUESDAY_NOON, CHRISTMAS, datetime(2026, 10, 25, 2, 30, tzinfo=OSLO, fold=1)],
    ids=["sun-3am", "no-drop-in", "christmas", "the-repeated-hour"],
)
def test_emergencies_are_always_admitted_on_the_emergency_line(at: datetime) -> None:
    event = admitted(decide(request("emergency", "emergency_assistance"), at)).event

    assert (event.kind, event.line_id) == (VisitKind.EMERGENCY, "emergency")
    assert event.occurred_at.timestamp() == at.timestamp()  # fold=1 instants never compare equal across zones
    assert event.business_date == at.date()


def test_the_visits_day_is_the_offices_date_of_an_instant_given_in_utc() -> None:
    """00:30 on Monday in Oslo is still Sunday in UTC: the visit belongs to Monday."""
    at = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)

    assert admitted(decide(request("emergency", "emergency_assistance"), at)).event.business_date == date(
        2026, 11, 23
    )


# --- lines, the host's choice -----------------------------------------------------------------------------


def test_self_service_help_joins_the_self_service_line() -> None:
    assert (
        admitted(decide(request(reason="self_service_help"), MONDAY_DROP_IN)).event.line_id == "self_service"
    )
    assert admitted(decide(request(reason="case_status"), MONDAY_DROP_IN)).event.line_id == "drop_in"


def test_a_line_the_host_names_is_taken_over_the_routing() -> None:
    body = request(reason="case_status", line_id="self_service")

    assert admitted(decide(body, MONDAY_DROP_IN)).event.line_id == "self_service"


def test_a_host_may_steer_to_self_service_a_visitor_the_policy_would_queue() -> None:
    decision = decide(request(redirect_to="self_service_online"), MONDAY_DROP_IN)

    assert isinstance(decision, Steer)
    assert (decision.event.alternative, decision.event.cause) == (
        Alternative.SELF_SERVICE_ONLINE,
        RedirectCause.HOST_CHOICE,
    )
    assert decision.message == "Steered by the host."


def test_a_host_steering_when_drop_in_is_closed_records_the_policys_cause_and_message() -> None:
    decision = decide(request(redirect_to="self_service_pc"), TUESDAY_NOON)

    assert isinstance(decision, Steer)
    assert decision.event.cause is RedirectCause.DROP_IN_CLOSED
    assert decision.message.startswith("Drop-in is closed now.")


def test_a_host_may_steer_even_while_the_office_is_closed() -> None:
    decision = decide(request(redirect_to="contact_centre"), SUNDAY_NIGHT)

    assert isinstance(decision, Steer)
    assert decision.event.cause is RedirectCause.HOST_CHOICE


# --- closed sets and what reaches the event ---------------------------------------------------------------


def test_configured_ids_reach_the_event_and_nothing_personal_does() -> None:
    body = request(
        "appointment",
        appointment=appointment("12:40", counsellor_id="veileder-2"),
        sms={"phone": "+47 912 34 567"},
    )

    event = admitted(decide(body, MONDAY_DROP_IN, device_id="vert-1")).event

    assert event.device_id == "vert-1"
    assert event.appointment is not None
    assert event.appointment.counsellor_id == "veileder-2"
    assert event.sms_opt_in is True
    assert "912" not in event.model_dump_json()


def test_the_event_is_a_function_of_its_inputs_so_a_resend_is_the_same_event() -> None:
    body = request(reason="job_seeking")

    first, again = (admitted(decide(body, MONDAY_DROP_IN)).event for _ in range(2))

    assert first == again
    assert (first.event_id, first.visit_id, first.correlation_id) == (
        IDS.event_id,
        IDS.visit_id,
        IDS.visit_id,
    )
    assert (first.office_id, first.producer, first.reason) == ("loten", "checkin", "job_seeking")
