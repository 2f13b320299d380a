"""The check-in policy for any office at any moment (hypothesis): emergencies always queue, drop-ins
queue exactly when the office's drop-in window is open, appointments exactly when they start within
opening hours and are checked in inside their window within the opening span they start in, a visitor
told to come back later is queued then, and nothing is queued silently as something else."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from visitflow_checkin.domain import Queue, Redirect, Refuse, judge
from visitflow_events import VisitKind
from visitflow_offices import OSLO, load_offices, local_instant, office_hours, opening_span

OFFICES = load_offices(Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml")
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)
office_ids = st.sampled_from(sorted(OFFICES.offices))
# appointment times: any moment, or (more often) one of a day's office hours and the hour either side
office_days = st.builds(
    lambda day, minute: local_instant(datetime.combine(day, time()) + timedelta(minutes=minute), OSLO),
    st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
    st.integers(min_value=7 * 60, max_value=17 * 60),
)
appointment_times = st.one_of(moments, office_days, office_days)


@settings(max_examples=300, deadline=None)
@given(office_ids, moments)
def test_emergencies_always_queue(office_id: str, moment: datetime) -> None:
    office = OFFICES.offices[office_id]
    verdict = judge(office, moment, VisitKind.EMERGENCY, None, OSLO)
    assert verdict == Queue(VisitKind.EMERGENCY)


@settings(max_examples=300, deadline=None)
@given(office_ids, moments)
def test_a_drop_in_queues_exactly_inside_the_drop_in_window(office_id: str, moment: datetime) -> None:
    office = OFFICES.offices[office_id]
    hours = office_hours(office, moment, OSLO)
    verdict = judge(office, moment, VisitKind.DROP_IN, None, OSLO)
    if hours.drop_in_open:
        assert verdict == Queue(VisitKind.DROP_IN)
    elif hours.is_open:
        assert isinstance(verdict, Redirect)
        assert verdict.alternatives
    else:
        assert isinstance(verdict, Refuse)
        assert verdict.code == "office_closed"


@settings(max_examples=500, deadline=None)
@given(office_ids, appointment_times, st.integers(min_value=-240, max_value=240))
def test_an_appointment_queues_inside_its_window_and_is_never_refused_silently(
    office_id: str, starts: datetime, minutes_until: int
) -> None:
    office = OFFICES.offices[office_id]
    moment = starts - timedelta(minutes=minutes_until)
    hours = office_hours(office, moment, OSLO)
    verdict = judge(office, moment, VisitKind.APPOINTMENT, starts, OSLO)
    window = office.policy.appointment_checkin
    if not office_hours(office, starts, OSLO).is_open:
        assert isinstance(verdict, Refuse)
        assert verdict.code == "appointment_outside_hours"
    elif opening_span(office, moment, OSLO) == opening_span(office, starts, OSLO) and (
        -window.late_minutes <= minutes_until <= window.early_minutes
    ):  # inside its window, and the office is open in the span the appointment starts in
        assert verdict == Queue(VisitKind.APPOINTMENT)
    elif minutes_until > 0:  # early: come back when the window has opened and the office is open
        assert isinstance(verdict, Refuse)
        assert verdict.code == "too_early"
        assert verdict.retry_at is not None
        assert office_hours(office, verdict.retry_at, OSLO).is_open
        assert judge(office, verdict.retry_at, VisitKind.APPOINTMENT, starts, OSLO) == Queue(
            VisitKind.APPOINTMENT
        )
        before = verdict.retry_at - timedelta(minutes=1)
        assert judge(office, before, VisitKind.APPOINTMENT, starts, OSLO) != Queue(VisitKind.APPOINTMENT)
    elif hours.drop_in_open:  # too late, but drop-in is open: queued as drop-in, with a note saying why
        assert isinstance(verdict, Queue)
        assert verdict.kind is VisitKind.DROP_IN
        assert verdict.note
    else:
        assert isinstance(verdict, Redirect)
