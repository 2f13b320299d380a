"""What became of each visit: a host's redirect at check-in and a completion's outcome each count as one
of the outcomes the offices name, on its own, in an office's KPIs, its live view, the region's totals
and the daily history; only self-service at home or at a public PC counts as steered to self-service."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from visitflow_events import (
    Alternative,
    Outcome,
    Reason,
    RedirectCause,
    ServiceCompleted,
    VisitEvent,
    VisitKind,
    VisitorCalled,
    VisitorCheckedIn,
    VisitorQueued,
    VisitRedirected,
)
from visitflow_metrics.domain import (
    AFTER_CONVERSATION,
    AT_CHECK_IN,
    DayRules,
    DaySummary,
    OfficeDay,
    VisitOutcome,
    apply,
    history_row,
    kpis,
    live_view,
    region_totals,
)
from visitflow_offices import load_offices
from visitflow_platform.settings import DEFAULT_OFFICES_FILE

OFFICES = load_offices(DEFAULT_OFFICES_FILE)
NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
DAY = date(2026, 11, 23)
RULES = DayRules(service_level_s=900, zone=ZoneInfo("Europe/Oslo"))


def _visit() -> dict[str, Any]:
    return {
        "event_id": uuid4(),
        "occurred_at": NOW,
        "office_id": "halden",
        "correlation_id": uuid4(),
        "producer": "test",
        "visit_id": uuid4(),
        "business_date": DAY,
    }


def redirected(alternative: Alternative) -> list[VisitEvent]:
    return [
        VisitRedirected(
            **_visit(),
            kind=VisitKind.DROP_IN,
            reason=Reason.CASE_STATUS,
            alternative=alternative,
            cause=RedirectCause.HOST_CHOICE,
        )
    ]


def completed(outcome: Outcome) -> list[VisitEvent]:
    """A drop-in checked in, queued, called and completed with `outcome`."""
    visit = _visit()
    ticketed = {**visit, "ticket": "D-001"}
    return [
        VisitorCheckedIn(**visit, kind=VisitKind.DROP_IN, reason=Reason.CASE_STATUS, line_id="drop_in"),
        VisitorQueued(
            **ticketed,
            kind=VisitKind.DROP_IN,
            reason=Reason.CASE_STATUS,
            line_id="drop_in",
            checked_in_at=NOW,
            position=1,
            estimated_wait_s=0,
        ),
        VisitorCalled(**ticketed, line_id="drop_in", room_id="samtalerom-1", call_number=1),
        ServiceCompleted(**ticketed, room_id="samtalerom-1", outcome=outcome),
    ]


def day_of(*visits: list[VisitEvent], office_id: str = "halden") -> DaySummary:
    day = OfficeDay(office_id=office_id, business_date=DAY)
    for event in (e for events in visits for e in events):
        day = apply(day, event.model_copy(update={"office_id": office_id}), RULES) or day
    return day.summary()


def outcomes_of(*visits: list[VisitEvent]) -> dict[str, int]:
    figures: dict[str, int] = kpis(day_of(*visits), OFFICES.offices["halden"])["outcomes"]
    return figures


def only(outcome: VisitOutcome, count: int = 1) -> dict[str, int]:
    return {o.value: count if o is outcome else 0 for o in VisitOutcome}


@pytest.mark.parametrize(
    ("alternative", "outcome"),
    [
        (Alternative.SELF_SERVICE_ONLINE, VisitOutcome.SELF_SERVICE_ONLINE),
        (Alternative.SELF_SERVICE_PC, VisitOutcome.SELF_SERVICE_PC),
        (Alternative.CONTACT_CENTRE, VisitOutcome.CONTACT_CENTRE),
        (Alternative.BOOK_APPOINTMENT, VisitOutcome.APPOINTMENT_BOOKED),
    ],
)
def test_a_redirect_at_check_in_counts_as_the_outcome_it_names(
    alternative: Alternative, outcome: VisitOutcome
) -> None:
    assert outcomes_of(redirected(alternative)) == only(outcome)


@pytest.mark.parametrize(
    ("ending", "outcome"),
    [
        (Outcome.STEERED_TO_SELF_SERVICE, VisitOutcome.SELF_SERVICE_ONLINE),
        (Outcome.REFERRED_TO_CONTACT_CENTRE, VisitOutcome.CONTACT_CENTRE),
        (Outcome.APPOINTMENT_BOOKED, VisitOutcome.APPOINTMENT_BOOKED),
        (Outcome.SERVED, VisitOutcome.SERVED),
    ],
)
def test_a_completion_counts_as_the_outcome_it_names(ending: Outcome, outcome: VisitOutcome) -> None:
    assert outcomes_of(completed(ending)) == only(outcome)


def test_every_redirect_and_every_completion_has_an_outcome() -> None:
    assert set(AT_CHECK_IN) == set(Alternative)
    assert set(AFTER_CONVERSATION) == set(Outcome)


def test_a_day_with_nothing_ended_has_every_outcome_at_zero() -> None:
    assert outcomes_of() == {o.value: 0 for o in VisitOutcome}


def test_only_self_service_at_home_or_at_a_public_pc_counts_as_steered_to_self_service() -> None:
    halden = OFFICES.offices["halden"]
    elsewhere = day_of(redirected(Alternative.BOOK_APPOINTMENT), redirected(Alternative.CONTACT_CENTRE))
    self_service = day_of(
        redirected(Alternative.SELF_SERVICE_PC),
        redirected(Alternative.SELF_SERVICE_ONLINE),
        completed(Outcome.STEERED_TO_SELF_SERVICE),
        completed(Outcome.REFERRED_TO_CONTACT_CENTRE),
    )

    assert kpis(elsewhere, halden)["steered_to_self_service"] == 0
    assert kpis(elsewhere, halden)["redirected"] == 2
    assert kpis(self_service, halden)["steered_to_self_service"] == 3
    assert kpis(self_service, halden)["steered_to_self_service_share"] == 0.75  # of 4 arrivals


def test_the_live_view_the_region_and_the_history_show_each_outcome() -> None:
    halden = day_of(
        redirected(Alternative.CONTACT_CENTRE),
        redirected(Alternative.BOOK_APPOINTMENT),
        completed(Outcome.APPOINTMENT_BOOKED),
        completed(Outcome.SERVED),
    )
    moss = day_of(
        redirected(Alternative.CONTACT_CENTRE),
        completed(Outcome.STEERED_TO_SELF_SERVICE),
        office_id="moss",
    )

    view = live_view(halden, OFFICES.offices["halden"])
    totals = region_totals([halden, moss], OFFICES.offices)
    row = history_row(moss, OFFICES.offices["moss"])

    assert view["outcomes"] == {**only(VisitOutcome.APPOINTMENT_BOOKED, 2), "contact_centre": 1, "served": 1}
    assert view["steered_to_self_service"] == 0
    assert totals["outcomes"] == {
        "self_service_online": 1,
        "self_service_pc": 0,
        "contact_centre": 2,
        "appointment_booked": 2,
        "served": 1,
    }
    assert totals["steered_to_self_service"] == 1
    assert {column: n for column, n in row.items() if column.startswith("outcome_")} == {
        "outcome_self_service_online": 1,
        "outcome_self_service_pc": 0,
        "outcome_contact_centre": 1,
        "outcome_appointment_booked": 0,
        "outcome_served": 0,
    }
