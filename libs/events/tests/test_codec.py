"""The event contract: every message survives encode/decode, and bad bytes fail with a readable reason."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import get_args
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError
from visitflow_events import (
    COMMAND_TYPES,
    EVENT_TYPES,
    REGISTRY,
    Alternative,
    Appointment,
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentMissed,
    AppointmentRescheduled,
    CallNext,
    CallVisit,
    CancelCause,
    CancelVisit,
    Channel,
    CheckAppointments,
    CloseDay,
    CloseRoom,
    CommandRejected,
    CompleteService,
    FollowUpResolved,
    HoldVisit,
    LineWait,
    MarkNoShow,
    Message,
    Needs,
    NotificationFailed,
    NotificationRequested,
    NotificationSent,
    OfficeDayClosed,
    OfficeWaits,
    OpenRoom,
    Outcome,
    Reason,
    Recall,
    RedirectCause,
    ResolveFollowUp,
    ReturnVisit,
    RoomClosed,
    RoomOpened,
    ServiceCompleted,
    ServiceStarted,
    StaffingOption,
    StartService,
    TransferVisit,
    UndecodableMessage,
    UndoRemoval,
    VisitCancelled,
    VisitCarriedOver,
    VisitClosedAtDayEnd,
    VisitHeld,
    VisitKind,
    VisitorCalled,
    VisitorCheckedIn,
    VisitorNoShow,
    VisitorQueued,
    VisitRedirected,
    VisitRestored,
    VisitReturned,
    VisitStage,
    VisitTransferred,
    WaitEstimate,
    WaitsEstimated,
    as_dict,
    decode,
    encode,
)

NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
DAY = date(2026, 11, 23)
ACTOR = "p-a2b3c4d5e6f7g2h3"  # a pseudonym, as visitflow_platform.pseudonyms derives them


def envelope() -> dict[str, object]:
    return {
        "occurred_at": NOW,
        "office_id": "loten",
        "correlation_id": uuid4(),
        "causation_id": uuid4(),
        "producer": "test",
    }


def event_envelope() -> dict[str, object]:
    return {**envelope(), "event_id": uuid4()}


def command_envelope() -> dict[str, object]:
    return {**envelope(), "command_id": uuid4(), "actor_id": ACTOR}


def visit_fields() -> dict[str, object]:
    return {**event_envelope(), "visit_id": uuid4(), "business_date": DAY}


def ticketed() -> dict[str, object]:
    return {**visit_fields(), "ticket": "D-001"}


def booking_fields() -> dict[str, object]:
    return {**event_envelope(), "booking_id": "TA-4K7Q", "business_date": DAY}


def schedule() -> dict[str, object]:
    return {
        "counsellor_id": "c.one",
        "starts_at": NOW,
        "duration_minutes": 30,
        "reason": Reason.COUNSELLOR_APPOINTMENT,
    }


def sample(model: type[Message]) -> Message:
    """A valid instance of every message type, with optional fields filled in where possible."""
    builders: dict[type[Message], object] = {
        VisitorCheckedIn: lambda: VisitorCheckedIn(
            **visit_fields(),
            kind=VisitKind.APPOINTMENT,
            reason=Reason.COUNSELLOR_APPOINTMENT,
            line_id="appointment",
            appointment=Appointment(reference="REF-4K7Q", starts_at=NOW, counsellor_id="c.one"),
            needs=Needs(interpreter=True, language="uk"),
            sms_opt_in=True,
            device_id="kiosk-1",
        ),
        VisitRedirected: lambda: VisitRedirected(
            **visit_fields(),
            kind=VisitKind.DROP_IN,
            reason=Reason.CASE_STATUS,
            alternative=Alternative.SELF_SERVICE_PC,
            cause=RedirectCause.DROP_IN_CLOSED,
        ),
        VisitorQueued: lambda: VisitorQueued(
            **ticketed(),
            kind=VisitKind.DROP_IN,
            reason=Reason.DELIVER_DOCUMENTS,
            line_id="drop_in",
            checked_in_at=NOW,
            appointment_at=NOW + timedelta(minutes=10),
            counsellor_id="c.one",
            needs=Needs(accessibility=True),
            position=3,
            estimated_wait_s=720,
            waits=OfficeWaits(
                lines=(
                    LineWait(
                        line_id="drop_in",
                        waiting=3,
                        estimate=WaitEstimate(expected_s=720, low_s=600, high_s=900),
                    ),
                ),
                staffing=(StaffingOption(rooms=2, as_now=True, expected_wait_s=720),),
            ),
        ),
        VisitorCalled: lambda: VisitorCalled(
            **ticketed(), line_id="drop_in", room_id="samtalerom-1", call_number=2
        ),
        ServiceStarted: lambda: ServiceStarted(**ticketed(), room_id="samtalerom-1"),
        ServiceCompleted: lambda: ServiceCompleted(
            **ticketed(), room_id="samtalerom-1", outcome=Outcome.SERVED
        ),
        VisitorNoShow: lambda: VisitorNoShow(**ticketed(), calls=3),
        VisitTransferred: lambda: VisitTransferred(
            **ticketed(), from_line_id="drop_in", to_line_id="self_service", counsellor_id="c.two"
        ),
        VisitCancelled: lambda: VisitCancelled(**ticketed(), cause=CancelCause.HOST_CANCELLED),
        VisitHeld: lambda: VisitHeld(**ticketed(), line_id="drop_in", stage=VisitStage.CALLED),
        VisitReturned: lambda: VisitReturned(**ticketed(), line_id="drop_in"),
        VisitRestored: lambda: VisitRestored(
            **ticketed(),
            undone="VisitorNoShow",
            undone_event_id=uuid4(),
            stage=VisitStage.CALLED,
            line_id="appointment",
            room_id="samtalerom-1",
            counsellor_id="c.one",
            calls=2,
            held=True,
        ),
        VisitClosedAtDayEnd: lambda: VisitClosedAtDayEnd(
            **ticketed(), kind=VisitKind.DROP_IN, stage=VisitStage.CALLED
        ),
        VisitCarriedOver: lambda: VisitCarriedOver(
            **ticketed(),
            kind=VisitKind.EMERGENCY,
            stage=VisitStage.WAITING,
            line_id="emergency",
            checked_in_at=NOW - timedelta(hours=2),
        ),
        FollowUpResolved: lambda: FollowUpResolved(**ticketed()),
        OfficeDayClosed: lambda: OfficeDayClosed(
            **event_envelope(),
            business_date=DAY,
            closed_visits=4,
            completed_visits=2,
            carried_over_visits=1,
        ),
        RoomClosed: lambda: RoomClosed(**event_envelope(), business_date=DAY, room_id="samtalerom-2"),
        RoomOpened: lambda: RoomOpened(**event_envelope(), business_date=DAY, room_id="samtalerom-2"),
        WaitsEstimated: lambda: WaitsEstimated(
            **event_envelope(),
            business_date=DAY,
            lines=(
                LineWait(
                    line_id="drop_in",
                    waiting=3,
                    estimate=WaitEstimate(expected_s=900, low_s=600, high_s=1200),
                ),
            ),
            staffing=(
                StaffingOption(rooms=2, as_now=True, expected_wait_s=900),
                StaffingOption(rooms=3, as_now=False, expected_wait_s=None),
            ),
        ),
        CommandRejected: lambda: CommandRejected(
            **event_envelope(),
            command_id=uuid4(),
            command_type="CallNext",
            code="nobody_waiting",
            detail="Nobody is waiting.",
        ),
        NotificationRequested: lambda: NotificationRequested(
            **event_envelope(),
            visit_id=uuid4(),
            channel=Channel.SMS,
            template="nearly",
            ticket="D-004",
            position=2,
        ),
        NotificationSent: lambda: NotificationSent(
            **event_envelope(), visit_id=uuid4(), channel=Channel.SMS, template="nearly", attempts=1
        ),
        NotificationFailed: lambda: NotificationFailed(
            **event_envelope(),
            visit_id=uuid4(),
            channel=Channel.SMS,
            template="called",
            attempts=3,
            error="gateway timeout",
        ),
        AppointmentBooked: lambda: AppointmentBooked(**booking_fields(), **schedule()),
        AppointmentRescheduled: lambda: AppointmentRescheduled(**booking_fields(), **schedule()),
        AppointmentCancelled: lambda: AppointmentCancelled(**booking_fields()),
        AppointmentMissed: lambda: AppointmentMissed(
            **booking_fields(), counsellor_id="c.one", starts_at=NOW
        ),
        CallNext: lambda: CallNext(
            **command_envelope(), room_id="samtalerom-1", line_id="drop_in", counsellor_id="c.one"
        ),
        CallVisit: lambda: CallVisit(**command_envelope(), visit_id=uuid4(), room_id="moterom-1"),
        Recall: lambda: Recall(**command_envelope(), visit_id=uuid4()),
        StartService: lambda: StartService(**command_envelope(), visit_id=uuid4()),
        CompleteService: lambda: CompleteService(
            **command_envelope(), visit_id=uuid4(), outcome=Outcome.APPOINTMENT_BOOKED
        ),
        MarkNoShow: lambda: MarkNoShow(**command_envelope(), visit_id=uuid4()),
        TransferVisit: lambda: TransferVisit(
            **command_envelope(), visit_id=uuid4(), to_line_id="self_service", counsellor_id="c.two"
        ),
        CancelVisit: lambda: CancelVisit(
            **command_envelope(), visit_id=uuid4(), cause=CancelCause.HOST_CANCELLED
        ),
        HoldVisit: lambda: HoldVisit(**command_envelope(), visit_id=uuid4()),
        ReturnVisit: lambda: ReturnVisit(**command_envelope(), visit_id=uuid4()),
        UndoRemoval: lambda: UndoRemoval(**command_envelope(), visit_id=uuid4()),
        ResolveFollowUp: lambda: ResolveFollowUp(**command_envelope(), visit_id=uuid4()),
        CloseDay: lambda: CloseDay(**command_envelope(), business_date=DAY),
        CheckAppointments: lambda: CheckAppointments(**command_envelope(), business_date=DAY),
        CloseRoom: lambda: CloseRoom(**command_envelope(), room_id="samtalerom-2"),
        OpenRoom: lambda: OpenRoom(**command_envelope(), room_id="samtalerom-2"),
    }
    build = builders[model]
    assert callable(build)
    message = build()
    assert isinstance(message, model)
    return message


ALL_TYPES = (*EVENT_TYPES, *COMMAND_TYPES)


@pytest.mark.parametrize("model", ALL_TYPES, ids=lambda m: m.__name__)
def test_every_message_type_survives_encode_then_decode(model: type[Message]) -> None:
    original = sample(model)

    decoded = decode(encode(original))

    assert type(decoded) is model
    assert decoded == original


@pytest.mark.parametrize("model", ALL_TYPES, ids=lambda m: m.__name__)
def test_decode_accepts_str_as_well_as_bytes(model: type[Message]) -> None:
    original = sample(model)

    assert decode(encode(original).decode()) == original


def test_event_and_command_types_do_not_overlap_and_are_all_registered() -> None:
    assert not set(EVENT_TYPES) & set(COMMAND_TYPES)
    assert len(REGISTRY) == len(EVENT_TYPES) + len(COMMAND_TYPES) == 43


@pytest.mark.parametrize("model", ALL_TYPES, ids=lambda m: m.__name__)
def test_registry_maps_the_type_name_to_its_class(model: type[Message]) -> None:
    assert REGISTRY[model.__name__] is model
    assert sample(model).model_dump()["type"] == model.__name__


def test_encode_leaves_out_none_fields_and_writes_the_type() -> None:
    message = CallNext(**{**command_envelope(), "actor_id": None}, room_id="samtalerom-1")

    body = json.loads(encode(message))

    assert body["type"] == "CallNext"
    assert "line_id" not in body
    assert "actor_id" not in body


def test_decode_of_an_unknown_type_is_undecodable_and_names_the_tag() -> None:
    body = {**json.loads(encode(sample(Recall))), "type": "SummonVisitor"}

    with pytest.raises(UndecodableMessage) as caught:
        decode(json.dumps(body))

    assert "SummonVisitor" in caught.value.reason
    assert str(caught.value) == caught.value.reason


def test_decode_without_a_type_is_undecodable() -> None:
    body = json.loads(encode(sample(Recall)))
    del body["type"]

    with pytest.raises(UndecodableMessage) as caught:
        decode(json.dumps(body))

    assert "type" in caught.value.reason


def test_decode_of_invalid_json_is_undecodable() -> None:
    with pytest.raises(UndecodableMessage) as caught:
        decode(b'{"type": "CallNext", ')

    assert "Invalid JSON" in caught.value.reason


def test_undecodable_message_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="JSON"):
        decode(b"not json at all")


def test_decode_of_a_missing_required_field_names_the_field() -> None:
    body = json.loads(encode(sample(CallVisit)))
    del body["visit_id"]

    with pytest.raises(UndecodableMessage) as caught:
        decode(json.dumps(body))

    assert caught.value.reason == "CallVisit.visit_id: Field required"


def test_decode_of_an_invalid_field_value_names_the_field() -> None:
    body = {**json.loads(encode(sample(VisitorCalled))), "call_number": 0}

    with pytest.raises(UndecodableMessage) as caught:
        decode(json.dumps(body))

    assert caught.value.reason.startswith("VisitorCalled.call_number:")


def test_a_newer_version_with_an_unknown_field_still_decodes() -> None:
    original = sample(VisitorQueued)
    body = {**json.loads(encode(original)), "schema_version": 2, "priority_hint": "high"}

    decoded = decode(json.dumps(body))

    assert isinstance(decoded, VisitorQueued)
    assert decoded.schema_version == 2
    assert decoded.visit_id == original.visit_id  # type: ignore[attr-defined]
    assert "priority_hint" not in decoded.model_dump()


def test_unknown_fields_in_nested_models_are_ignored_too() -> None:
    body = json.loads(encode(sample(VisitorCheckedIn)))
    body["needs"]["wheelchair"] = True
    body["appointment"]["room_hint"] = "moterom-1"

    decoded = decode(json.dumps(body))

    assert isinstance(decoded, VisitorCheckedIn)
    assert decoded.needs.interpreter is True


def test_occurred_at_with_an_offset_is_normalised_to_utc() -> None:
    local = datetime(2026, 11, 23, 12, 30, tzinfo=timezone(timedelta(hours=1)))

    message = CloseDay(**{**command_envelope(), "occurred_at": local}, business_date=DAY)

    assert message.occurred_at.utcoffset() == timedelta(0)
    assert message.occurred_at == datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
    assert message.occurred_at.hour == 11


def test_occurred_at_in_json_with_an_offset_is_normalised_to_utc() -> None:
    body = {**json.loads(encode(sample(Recall))), "occurred_at": "2026-11-23T12:30:00+01:00"}

    decoded = decode(json.dumps(body))

    assert decoded.occurred_at.utcoffset() == timedelta(0)
    assert (decoded.occurred_at.hour, decoded.occurred_at.minute) == (11, 30)


def test_a_naive_occurred_at_is_refused() -> None:
    with pytest.raises(ValidationError):
        CloseDay(**{**command_envelope(), "occurred_at": datetime(2026, 11, 23, 12, 30)}, business_date=DAY)


@pytest.mark.parametrize("model", ALL_TYPES, ids=lambda m: m.__name__)
def test_messages_are_frozen(model: type[Message]) -> None:
    message = sample(model)

    with pytest.raises(ValidationError):
        message.office_id = "halden"  # type: ignore[misc]

    assert message.office_id == "loten"


def test_nested_needs_are_frozen() -> None:
    needs = Needs(interpreter=True)

    with pytest.raises(ValidationError):
        needs.interpreter = False  # type: ignore[misc]


@pytest.mark.parametrize("ticket", ["d-1", "D-1", "D-01", "D-00001", "ABCD-001", "D001", "", "D-ABC"])
def test_ticket_pattern_rejects_malformed_tickets(ticket: str) -> None:
    with pytest.raises(ValidationError) as caught:
        VisitorNoShow(**{**ticketed(), "ticket": ticket}, calls=1)

    assert caught.value.errors()[0]["loc"] == ("ticket",)


@pytest.mark.parametrize("ticket", ["D-001", "A-1234", "ABC-999"])
def test_ticket_pattern_accepts_well_formed_tickets(ticket: str) -> None:
    assert VisitorNoShow(**{**ticketed(), "ticket": ticket}, calls=1).ticket == ticket


@pytest.mark.parametrize("room", ["", "room with space", "x" * 65, "rom/1", "rom-12345"])
def test_a_room_is_refused_unless_it_can_be_a_configured_id(room: str) -> None:
    with pytest.raises(ValidationError):
        CallNext(**command_envelope(), room_id=room)


def test_office_id_must_not_be_empty() -> None:
    with pytest.raises(ValidationError):
        Recall(**{**command_envelope(), "office_id": ""}, visit_id=uuid4())


def test_message_id_is_the_event_id_or_the_command_id() -> None:
    event = sample(VisitorCalled)
    command = sample(Recall)

    assert event.message_id == event.event_id  # type: ignore[attr-defined]
    assert command.message_id == command.command_id  # type: ignore[attr-defined]
    assert isinstance(event.message_id, UUID)


def test_as_dict_is_json_ready() -> None:
    message = sample(VisitorQueued)

    body = as_dict(message)

    assert body["type"] == "VisitorQueued"
    assert body["business_date"] == "2026-11-23"
    assert isinstance(body["visit_id"], str)
    assert json.loads(json.dumps(body)) == body


def test_cancel_visit_defaults_to_visitor_left() -> None:
    command = CancelVisit(**command_envelope(), visit_id=uuid4())

    assert decode(encode(command)) == command
    assert command.cause is CancelCause.VISITOR_LEFT


# Optional-but-required fields: `encode` drops None values, so a field typed `X | None` with no default
# must still decode when it was None.


def test_a_notification_without_a_visit_survives_encode_then_decode() -> None:
    sent = NotificationSent(
        **event_envelope(), visit_id=None, channel=Channel.DISPLAY, template="board", attempts=1
    )

    assert decode(encode(sent)) == sent


def test_a_day_end_recorded_before_its_counts_were_added_still_decodes() -> None:
    """Records on the topic before completions and carry-overs were counted: read as 0."""
    body = json.loads(encode(sample(OfficeDayClosed)))
    del body["completed_visits"], body["carried_over_visits"]

    decoded = decode(json.dumps(body))

    assert isinstance(decoded, OfficeDayClosed)
    assert (decoded.closed_visits, decoded.completed_visits, decoded.carried_over_visits) == (4, 0, 0)


def test_a_visit_closed_at_day_end_carries_no_follow_up_flag_and_older_records_with_one_still_decode() -> (
    None
):
    """Emergencies are carried over, never closed, so the flag nothing read is gone from the contract."""
    closed = sample(VisitClosedAtDayEnd)
    body = json.loads(encode(closed))
    assert "needs_follow_up" not in body
    assert "needs_follow_up" not in VisitClosedAtDayEnd.model_fields

    decoded = decode(json.dumps({**body, "needs_follow_up": True}))

    assert decoded == closed


def test_a_restored_visit_names_only_an_act_that_can_be_undone() -> None:
    body = {**json.loads(encode(sample(VisitRestored))), "undone": "VisitorCalled"}

    with pytest.raises(UndecodableMessage) as caught:
        decode(json.dumps(body))

    assert caught.value.reason.startswith("VisitRestored.undone:")


def test_a_service_completed_without_a_room_survives_encode_then_decode() -> None:
    completed = ServiceCompleted(**ticketed(), room_id=None, outcome=Outcome.STEERED_TO_SELF_SERVICE)

    assert decode(encode(completed)) == completed


PERSONAL_NUMBERS = ["01017012345", "010170-12345", "4791234567", "+4791234567", "+47 912 34 567"]


def _id_fields(model: type[Message]) -> list[str]:
    """The fields that name something by a configured id or a pseudonym (every `_id` that is no UUID)."""
    return [
        name
        for name, field in model.model_fields.items()
        if name.endswith("_id") and UUID not in (field.annotation, *get_args(field.annotation))
    ]


@pytest.mark.parametrize("model", ALL_TYPES, ids=lambda m: m.__name__)
def test_no_id_field_of_any_message_can_be_built_with_an_identity_or_phone_number(
    model: type[Message],
) -> None:
    fields = sample(model).model_dump()
    for name in _id_fields(model):
        for number in PERSONAL_NUMBERS:
            with pytest.raises(ValidationError) as refused:
                model(**{**fields, name: number})
            assert number not in str(refused.value)  # errors reach logs and dead letters: no input


def test_an_appointments_counsellor_cannot_be_an_identity_number() -> None:
    with pytest.raises(ValidationError):
        Appointment(reference="REF-4K7Q", starts_at=NOW, counsellor_id="01017012345")


@pytest.mark.parametrize("reference", ["01017012343", "TA-01017012343", "TA-47912", "TA-4K7Q-OLA", "ta-4k7q"])
def test_an_appointments_reference_has_the_one_format_that_holds_no_number(reference: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Appointment(reference=reference, starts_at=NOW)
    assert reference not in str(refused.value)


def test_a_recorded_appointment_with_an_old_reference_still_decodes() -> None:
    body = json.loads(encode(sample(VisitorCheckedIn)))
    body["appointment"]["reference"] = "REF-1"
    decoded = decode(json.dumps(body))
    assert isinstance(decoded, VisitorCheckedIn)
    assert decoded.appointment is not None
    assert decoded.appointment.reference == "REF-1"


def test_the_actor_of_a_command_is_a_pseudonym_never_a_name() -> None:
    with pytest.raises(ValidationError):
        Recall(**{**command_envelope(), "actor_id": "Ola.Nordmann"}, visit_id=uuid4())


@pytest.mark.parametrize("model", ALL_TYPES, ids=lambda m: m.__name__)
def test_a_message_recorded_before_the_id_rules_still_decodes(model: type[Message]) -> None:
    """History on the topics is read as it was written, never sent to the dead-letter topic."""
    body = json.loads(encode(sample(model)))
    old = dict.fromkeys(_id_fields(model), "Ola.Nordmann-01017012345")

    decoded = decode(json.dumps({**body, **old}))

    assert {name: getattr(decoded, name) for name in old} == old


def test_a_recorded_appointment_with_an_old_counsellor_id_still_decodes() -> None:
    body = json.loads(encode(sample(VisitorCheckedIn)))
    body["appointment"]["counsellor_id"] = "4791234567"

    decoded = decode(json.dumps(body))

    assert isinstance(decoded, VisitorCheckedIn)
    assert decoded.appointment is not None
    assert decoded.appointment.counsellor_id == "4791234567"


def test_a_commands_fingerprint_is_what_it_asks_for_not_when_who_or_under_which_id() -> None:
    visit = uuid4()
    cancel = CancelVisit(**command_envelope(), visit_id=visit, cause=CancelCause.VISITOR_LEFT)
    retried = CancelVisit(**{**command_envelope(), "actor_id": None}, visit_id=visit)

    assert cancel.fingerprint == retried.fingerprint
    assert cancel.fingerprint != CancelVisit(**command_envelope(), visit_id=uuid4()).fingerprint
    assert (
        cancel.fingerprint
        != CancelVisit(**command_envelope(), visit_id=visit, cause=CancelCause.HOST_CANCELLED).fingerprint
    )
    assert cancel.fingerprint != MarkNoShow(**command_envelope(), visit_id=visit).fingerprint


@pytest.mark.parametrize(
    "model", [AppointmentBooked, AppointmentRescheduled, AppointmentCancelled, AppointmentMissed]
)
@pytest.mark.parametrize("booking_id", ["01017012343", "TA-47912345", "ola nordmann", "TA-4k7q"])
def test_a_booking_id_is_a_reference_that_holds_no_name_or_number(
    model: type[Message], booking_id: str
) -> None:
    fields = sample(model).model_dump()
    with pytest.raises(ValidationError) as refused:
        model(**{**fields, "booking_id": booking_id})
    assert booking_id not in str(refused.value)


def test_a_booking_carries_no_free_text() -> None:
    """Every text field of a booking is an id the rules above check (or the producing service's name)."""
    free = {
        name
        for name, field in AppointmentBooked.model_fields.items()
        if field.annotation is str and not name.endswith("_id")
    }
    assert free == {"producer"}
    unknown = AppointmentBooked(**booking_fields(), **schedule(), note="Ola, bad back").model_dump()
    assert "note" not in unknown


@pytest.mark.parametrize("minutes", [0, 4, 241])
def test_a_booking_lasts_between_five_minutes_and_four_hours(minutes: int) -> None:
    with pytest.raises(ValidationError):
        AppointmentBooked(**booking_fields(), **{**schedule(), "duration_minutes": minutes})
