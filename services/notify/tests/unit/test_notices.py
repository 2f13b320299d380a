"""Which notifications events call for, each at most once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from visitflow_events import (
    Channel,
    NotificationFailed,
    NotificationSent,
    OfficeDayClosed,
    Reason,
    VisitKind,
    VisitorCalled,
    VisitorCheckedIn,
    VisitorQueued,
    WaitEstimate,
)
from visitflow_notify.domain import ARRIVED, CALLED, NEARLY, YOUR_PAGE, Audience, notices, outcome

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
DAY = date(2026, 11, 23)


def _envelope() -> dict[str, object]:
    return {
        "event_id": uuid4(),
        "occurred_at": NOW,
        "office_id": "halden",
        "correlation_id": uuid4(),
        "producer": "test",
        "business_date": DAY,
    }


def _checked_in(visit_id: UUID, sms: bool) -> VisitorCheckedIn:
    return VisitorCheckedIn(
        **_envelope(),
        visit_id=visit_id,
        kind=VisitKind.DROP_IN,
        reason=Reason.OTHER,
        line_id="drop_in",
        sms_opt_in=sms,
    )


def _called(visit_id: UUID, up_next: tuple[UUID, ...], call_number: int = 1) -> VisitorCalled:
    return VisitorCalled(
        **_envelope(),
        visit_id=visit_id,
        ticket="D-001",
        line_id="drop_in",
        room_id="samtalerom-1",
        call_number=call_number,
        up_next=up_next,
    )


def test_nearly_your_turn_once_when_the_visitor_reaches_the_position_and_only_if_opted_in() -> None:
    me, other, a, b, c = (uuid4() for _ in range(5))
    audience = Audience(office_id="halden")
    audience, _ = notices(audience, _checked_in(me, sms=True), 3)
    audience, _ = notices(audience, _checked_in(other, sms=False), 3)
    audience, asked = notices(audience, _called(a, (b, c, other, me)), 3)
    assert asked == []  # fourth: not yet
    audience, asked = notices(audience, _called(b, (c, me, other)), 3)
    assert [(r.visit_id, r.template, r.position, r.channel) for r in asked] == [(me, NEARLY, 2, Channel.SMS)]
    audience, asked = notices(audience, _called(c, (me, other)), 3)
    assert asked == []  # once only
    audience, asked = notices(audience, _called(me, (other,)), 3)
    assert [(r.template, r.room_id) for r in asked] == [(CALLED, "samtalerom-1")]
    _, asked = notices(audience, _called(me, (other,), call_number=2), 3)
    assert asked == []  # a recall sends nothing new


def test_nearly_your_turn_carries_the_queues_estimate_as_the_screens_say_it() -> None:
    me, sure, first = uuid4(), uuid4(), uuid4()
    audience, _ = notices(Audience(office_id="halden"), _checked_in(me, sms=True), 3)
    audience, _ = notices(audience, _checked_in(sure, sms=True), 3)
    call = _called(first, (sure, me)).model_copy(
        update={
            "up_next_waits": (
                WaitEstimate(expected_s=240, low_s=120, high_s=360),
                WaitEstimate(expected_s=900, low_s=300, high_s=1500),
            )
        }
    )

    _, asked = notices(audience, call, 3)

    said = {r.visit_id: (r.wait_minutes, r.wait_minutes_to) for r in asked}
    assert said == {sure: (5, None), me: (5, 25)}


def test_request_ids_are_stable_so_a_replayed_event_asks_for_the_same_notification() -> None:
    me = uuid4()
    audience, _ = notices(Audience(office_id="halden"), _checked_in(me, sms=True), 3)
    call = _called(uuid4(), (me,))
    _, first = notices(audience, call, 3)
    _, again = notices(audience, call, 3)
    assert first[0].event_id == again[0].event_id


def test_a_counsellor_is_told_when_their_appointment_arrives() -> None:
    visit_id = uuid4()
    queued = VisitorQueued(
        **_envelope(),
        visit_id=visit_id,
        ticket="T-004",
        kind=VisitKind.APPOINTMENT,
        reason=Reason.COUNSELLOR_APPOINTMENT,
        line_id="appointment",
        checked_in_at=NOW,
        appointment_at=NOW,
        counsellor_id="veileder-2",
        position=1,
        estimated_wait_s=0,
    )
    _, asked = notices(Audience(office_id="halden"), queued, 3)
    assert [(r.channel, r.template, r.counsellor_id, r.ticket) for r in asked] == [
        (Channel.COUNSELLOR, ARRIVED, "veileder-2", "T-004")
    ]


def _queued(visit_id: UUID, ticket: str) -> VisitorQueued:
    return VisitorQueued(
        **_envelope(),
        visit_id=visit_id,
        ticket=ticket,
        kind=VisitKind.DROP_IN,
        reason=Reason.OTHER,
        line_id="drop_in",
        checked_in_at=NOW,
        position=1,
        estimated_wait_s=0,
    )


def test_a_visitor_who_opted_in_gets_the_link_to_their_own_page_once_when_queued() -> None:
    me, other = uuid4(), uuid4()
    audience, _ = notices(Audience(office_id="halden"), _checked_in(me, sms=True), 3)
    audience, _ = notices(audience, _checked_in(other, sms=False), 3)
    audience, asked = notices(audience, _queued(me, "D-007"), 3)
    assert [(r.visit_id, r.channel, r.template, r.ticket) for r in asked] == [
        (me, Channel.SMS, YOUR_PAGE, "D-007")
    ]
    _, again = notices(audience, _queued(me, "D-007"), 3)
    assert again == []
    _, none = notices(audience, _queued(other, "D-008"), 3)
    assert none == []


def test_the_day_closing_forgets_opt_ins() -> None:
    audience, _ = notices(Audience(office_id="halden"), _checked_in(uuid4(), sms=True), 3)
    closed = OfficeDayClosed(**_envelope(), closed_visits=0)
    audience, _ = notices(audience, closed, 3)
    assert audience.sms == frozenset()


def test_a_call_shown_on_the_display_is_recorded_under_an_id_that_follows_from_the_call() -> None:
    call = _called(uuid4(), ())
    later = datetime(2026, 11, 23, 11, 0, 2, tzinfo=UTC)
    sent = outcome(call, Channel.DISPLAY, CALLED, 2, later)
    assert isinstance(sent, NotificationSent)
    assert (sent.channel, sent.template, sent.attempts) == (Channel.DISPLAY, CALLED, 2)
    assert sent.occurred_at == later
    assert (sent.visit_id, sent.office_id, sent.causation_id) == (call.visit_id, "halden", call.event_id)
    assert sent.correlation_id == call.correlation_id
    assert outcome(call, Channel.DISPLAY, CALLED, 1, NOW).event_id == sent.event_id  # recorded again: same
    assert outcome(_called(call.visit_id, ()), Channel.DISPLAY, CALLED, 1, NOW).event_id != sent.event_id


def test_a_failed_delivery_keeps_its_reason_within_the_field_limit() -> None:
    failed = outcome(_called(uuid4(), ()), Channel.SMS, CALLED, 3, NOW, error="gateway answered 503 " * 50)
    assert isinstance(failed, NotificationFailed)
    assert failed.attempts == 3
    assert failed.error.startswith("gateway answered 503")
    assert len(failed.error) == 500


def test_nearly_your_turn_reaches_as_far_as_the_offices_position_and_says_which_place() -> None:
    ahead = [uuid4() for _ in range(9)]
    eighth, ninth = ahead[7], ahead[8]
    audience = Audience(office_id="halden")
    for visit_id in (eighth, ninth):
        audience, _ = notices(audience, _checked_in(visit_id, sms=True), 8)

    audience, asked = notices(audience, _called(uuid4(), tuple(ahead)), 8)

    assert [(r.visit_id, r.position) for r in asked] == [(eighth, 8)]
    _, asked = notices(audience, _called(uuid4(), tuple(ahead[1:])), 8)
    assert [(r.visit_id, r.position) for r in asked] == [(ninth, 8)]


def test_your_turn_and_nearly_in_one_call_are_two_requests_each_caused_by_the_call_and_of_its_visit() -> None:
    me, next_one = uuid4(), uuid4()
    audience = Audience(office_id="halden")
    for visit_id in (me, next_one):
        audience, _ = notices(audience, _checked_in(visit_id, sms=True), 3)
    call = _called(me, (next_one,))

    audience, asked = notices(audience, call, 3)

    assert [(r.visit_id, r.template) for r in asked] == [(me, CALLED), (next_one, NEARLY)]
    assert {(r.causation_id, r.office_id, r.producer) for r in asked} == {(call.event_id, "halden", "notify")}
    # each notice belongs to the visit it is sent to, whichever visit's call caused it
    assert [r.correlation_id for r in asked] == [me, next_one]
    assert audience.requested == {f"{me}:{CALLED}", f"{next_one}:{NEARLY}"}


def test_only_an_appointment_with_a_counsellor_alerts_anyone() -> None:
    def queued(kind: VisitKind, counsellor_id: str | None) -> VisitorQueued:
        return VisitorQueued(
            **_envelope(),
            visit_id=uuid4(),
            ticket="T-001",
            kind=kind,
            reason=Reason.COUNSELLOR_APPOINTMENT if kind is VisitKind.APPOINTMENT else Reason.OTHER,
            line_id="appointment" if kind is VisitKind.APPOINTMENT else "drop_in",
            checked_in_at=NOW,
            appointment_at=NOW if kind is VisitKind.APPOINTMENT else None,
            counsellor_id=counsellor_id,
            position=1,
            estimated_wait_s=0,
        )

    audience = Audience(office_id="halden")

    assert notices(audience, queued(VisitKind.APPOINTMENT, None), 3) == (audience, [])
    assert notices(audience, queued(VisitKind.DROP_IN, "veileder-2"), 3) == (audience, [])
    after, asked = notices(audience, queued(VisitKind.APPOINTMENT, "veileder-2"), 3)
    assert [r.template for r in asked] == [ARRIVED]
    _, again = notices(after, queued(VisitKind.APPOINTMENT, "veileder-2"), 3)
    assert [r.template for r in again] == [ARRIVED]  # another visit: its own alert


def test_a_visitor_who_did_not_opt_in_gets_no_sms_and_the_audience_is_unchanged() -> None:
    quiet = uuid4()
    audience, _ = notices(Audience(office_id="halden"), _checked_in(quiet, sms=False), 3)
    assert audience == Audience(office_id="halden")

    after, asked = notices(audience, _called(quiet, (uuid4(),)), 3)

    assert (after, asked) == (audience, [])
