"""JSON encoding and the registry from `type` to model."""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field, TypeAdapter, ValidationError

from .appointments import AppointmentBooked, AppointmentCancelled, AppointmentMissed, AppointmentRescheduled
from .commands import (
    CallNext,
    CallVisit,
    CancelVisit,
    CheckAppointments,
    CloseDay,
    CompleteService,
    HoldVisit,
    MarkNoShow,
    Recall,
    ResolveFollowUp,
    ReturnVisit,
    StartService,
    TransferVisit,
    UndoRemoval,
)
from .envelope import Message
from .ids import RECORDED
from .notifications import NotificationFailed, NotificationRequested, NotificationSent
from .visits import (
    CommandRejected,
    FollowUpResolved,
    OfficeDayClosed,
    ServiceCompleted,
    ServiceStarted,
    VisitCancelled,
    VisitCarriedOver,
    VisitClosedAtDayEnd,
    VisitHeld,
    VisitorCalled,
    VisitorCheckedIn,
    VisitorNoShow,
    VisitorQueued,
    VisitRedirected,
    VisitRestored,
    VisitReturned,
    VisitTransferred,
)

EVENT_TYPES: tuple[type[Message], ...] = (
    VisitorCheckedIn,
    VisitRedirected,
    VisitorQueued,
    VisitorCalled,
    ServiceStarted,
    ServiceCompleted,
    VisitorNoShow,
    VisitTransferred,
    VisitCancelled,
    VisitHeld,
    VisitReturned,
    VisitRestored,
    VisitClosedAtDayEnd,
    VisitCarriedOver,
    FollowUpResolved,
    OfficeDayClosed,
    CommandRejected,
    NotificationRequested,
    NotificationSent,
    NotificationFailed,
    AppointmentBooked,
    AppointmentRescheduled,
    AppointmentCancelled,
    AppointmentMissed,
)
COMMAND_TYPES: tuple[type[Message], ...] = (
    CallNext,
    CallVisit,
    Recall,
    StartService,
    CompleteService,
    MarkNoShow,
    TransferVisit,
    CancelVisit,
    HoldVisit,
    ReturnVisit,
    UndoRemoval,
    ResolveFollowUp,
    CloseDay,
    CheckAppointments,
)

AnyMessage = Annotated[
    Union[  # noqa: UP007 - a runtime union of classes for pydantic's discriminator
        VisitorCheckedIn,
        VisitRedirected,
        VisitorQueued,
        VisitorCalled,
        ServiceStarted,
        ServiceCompleted,
        VisitorNoShow,
        VisitTransferred,
        VisitCancelled,
        VisitHeld,
        VisitReturned,
        VisitRestored,
        VisitClosedAtDayEnd,
        VisitCarriedOver,
        FollowUpResolved,
        OfficeDayClosed,
        CommandRejected,
        NotificationRequested,
        NotificationSent,
        NotificationFailed,
        AppointmentBooked,
        AppointmentRescheduled,
        AppointmentCancelled,
        AppointmentMissed,
        CallNext,
        CallVisit,
        Recall,
        StartService,
        CompleteService,
        MarkNoShow,
        TransferVisit,
        CancelVisit,
        HoldVisit,
        ReturnVisit,
        UndoRemoval,
        ResolveFollowUp,
        CloseDay,
        CheckAppointments,
    ],
    Field(discriminator="type"),
]

REGISTRY: dict[str, type[Message]] = {
    model.model_fields["type"].default: model for model in (*EVENT_TYPES, *COMMAND_TYPES)
}

_adapter: TypeAdapter[Message] = TypeAdapter(AnyMessage)


class UndecodableMessage(ValueError):
    """Raised for bytes that are not a known, valid message; `reason` says why, for the dead-letter topic."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def encode(message: Message) -> bytes:
    return message.model_dump_json(exclude_none=True).encode()


def decode(data: bytes | str) -> Message:
    """A message as it was recorded: one built before a rule of construction was added still decodes."""
    try:
        return _adapter.validate_json(data, context=RECORDED)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "message"
        raise UndecodableMessage(f"{where}: {first['msg']}") from exc


def as_dict(message: Message) -> dict[str, object]:
    """The JSON-ready form, as an HTTP answer or a live-stream frame carries it."""
    result: dict[str, object] = message.model_dump(mode="json", exclude_none=True)
    return result
