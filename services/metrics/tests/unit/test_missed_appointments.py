"""The missed-appointment rate: appointments checked in for count as kept, `AppointmentMissed` as missed,
each once; the rate is missed over both, for the office and each counsellor, and absent before the first."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from visitflow_events import Appointment, AppointmentMissed, Reason, VisitKind, VisitorCheckedIn
from visitflow_metrics.domain import DayRules, OfficeDay, apply
from visitflow_metrics.domain.figures import missed_appointments
from visitflow_offices import OSLO, load_offices
from visitflow_platform.settings import DEFAULT_OFFICES_FILE

NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
DAY = date(2026, 11, 23)
RULES = DayRules(900, OSLO)
OFFICE = load_offices(DEFAULT_OFFICES_FILE).office("loten")


def envelope() -> dict[str, object]:
    return {
        "event_id": uuid4(),
        "occurred_at": NOW,
        "office_id": "loten",
        "correlation_id": uuid4(),
        "producer": "t",
    }


def kept(counsellor: str) -> VisitorCheckedIn:
    return VisitorCheckedIn(
        **envelope(),
        visit_id=uuid4(),
        business_date=DAY,
        kind=VisitKind.APPOINTMENT,
        reason=Reason.COUNSELLOR_APPOINTMENT,
        line_id="appointment",
        appointment=Appointment(reference="TA-AAAA", starts_at=NOW, counsellor_id=counsellor),
    )


def missed(counsellor: str, booking_id: str) -> AppointmentMissed:
    return AppointmentMissed(
        **envelope(), booking_id=booking_id, business_date=DAY, counsellor_id=counsellor, starts_at=NOW
    )


def test_the_rate_per_office_and_counsellor_counts_each_missed_booking_once() -> None:
    assert OFFICE is not None
    day = OfficeDay(office_id="loten", business_date=DAY)
    first = missed("veileder-1", "TA-MISS")
    for event in (
        kept("veileder-1"),
        kept("veileder-1"),
        kept("veileder-2"),
        first,
        missed("veileder-2", "TA-GONE"),
    ):
        day = apply(day, event, RULES) or day
    assert apply(day, first.model_copy(update={"event_id": uuid4()}), RULES) is None  # delivered again

    figures = missed_appointments(day.counters, OFFICE)
    assert (figures["appointments_kept"], figures["appointments_missed"]) == (3, 2)
    assert figures["missed_appointment_rate"] == 0.4
    assert figures["missed_by_counsellor"]["veileder-1"] == {"kept": 2, "missed": 1, "missed_rate": 0.3333}
    assert figures["missed_by_counsellor"]["veileder-2"]["missed_rate"] == 0.5
    assert figures["missed_by_counsellor"]["veileder-3"]["missed_rate"] is None  # none decided yet
