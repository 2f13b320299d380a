"""The check-in policy for any office at any moment (hypothesis): emergencies always queue, drop-ins
queue exactly when the office's drop-in window is open, and nothing is queued silently as something else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from visitflow_checkin.domain import Queue, Redirect, Refuse, judge
from visitflow_events import VisitKind
from visitflow_offices import load_offices, office_hours

OFFICES = load_offices(Path(__file__).resolve().parents[4] / "deploy" / "config" / "offices.yaml")
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)
office_ids = st.sampled_from(sorted(OFFICES.offices))


@settings(max_examples=300, deadline=None)
@given(office_ids, moments)
def test_emergencies_always_queue(office_id: str, moment: datetime) -> None:
    office = OFFICES.offices[office_id]
    verdict = judge(office, office_hours(office, moment), VisitKind.EMERGENCY, None)
    assert verdict == Queue(VisitKind.EMERGENCY)


@settings(max_examples=300, deadline=None)
@given(office_ids, moments)
def test_a_drop_in_queues_exactly_inside_the_drop_in_window(office_id: str, moment: datetime) -> None:
    office = OFFICES.offices[office_id]
    hours = office_hours(office, moment)
    verdict = judge(office, hours, VisitKind.DROP_IN, None)
    if hours.drop_in_open:
        assert verdict == Queue(VisitKind.DROP_IN)
    elif hours.is_open:
        assert isinstance(verdict, Redirect)
        assert verdict.alternatives
    else:
        assert isinstance(verdict, Refuse)
        assert verdict.code == "office_closed"


@settings(max_examples=300, deadline=None)
@given(office_ids, moments, st.integers(min_value=-240, max_value=240))
def test_an_appointment_queues_inside_its_window_and_is_never_refused_silently(
    office_id: str, moment: datetime, minutes_until: int
) -> None:
    office = OFFICES.offices[office_id]
    hours = office_hours(office, moment)
    starts = moment + timedelta(minutes=minutes_until)
    verdict = judge(office, hours, VisitKind.APPOINTMENT, starts)
    window = office.policy.appointment_checkin
    if -window.late_minutes <= minutes_until <= window.early_minutes:
        assert verdict == Queue(VisitKind.APPOINTMENT)
    elif minutes_until > window.early_minutes:
        assert isinstance(verdict, Refuse)
        assert verdict.retry_at == starts - timedelta(minutes=window.early_minutes)
    elif hours.drop_in_open:  # too late, but drop-in is open: queued as drop-in, with a note saying why
        assert isinstance(verdict, Queue)
        assert verdict.kind is VisitKind.DROP_IN
        assert verdict.note
    else:
        assert isinstance(verdict, Redirect)
