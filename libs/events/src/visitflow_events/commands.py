"""Host commands on `visitflow.queue-commands.v1`, keyed by office. Each is idempotent by `command_id`."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime

from .envelope import Command
from .ids import ConfiguredId
from .vocabulary import CancelCause, Outcome


class CallNext(Command):
    type: Literal["CallNext"] = "CallNext"
    room_id: ConfiguredId
    line_id: ConfiguredId | None = None
    counsellor_id: ConfiguredId | None = None


class CallVisit(Command):
    type: Literal["CallVisit"] = "CallVisit"
    visit_id: UUID
    room_id: ConfiguredId


class Recall(Command):
    type: Literal["Recall"] = "Recall"
    visit_id: UUID


class StartService(Command):
    type: Literal["StartService"] = "StartService"
    visit_id: UUID


class CompleteService(Command):
    type: Literal["CompleteService"] = "CompleteService"
    visit_id: UUID
    outcome: Outcome


class MarkNoShow(Command):
    type: Literal["MarkNoShow"] = "MarkNoShow"
    visit_id: UUID


class TransferVisit(Command):
    type: Literal["TransferVisit"] = "TransferVisit"
    visit_id: UUID
    to_line_id: ConfiguredId
    counsellor_id: ConfiguredId | None = None


class CancelVisit(Command):
    type: Literal["CancelVisit"] = "CancelVisit"
    visit_id: UUID
    cause: CancelCause = CancelCause.VISITOR_LEFT


class HoldVisit(Command):
    """The visitor stepped out (to fetch a document): they keep their place and are not called."""

    type: Literal["HoldVisit"] = "HoldVisit"
    visit_id: UUID


class ReturnVisit(Command):
    """A visitor on hold is back: in line again at their own place."""

    type: Literal["ReturnVisit"] = "ReturnVisit"
    visit_id: UUID


class UndoRemoval(Command):
    """Undoes the last act that took a visit off its list (complete, no-show, cancel, transfer)."""

    type: Literal["UndoRemoval"] = "UndoRemoval"
    visit_id: UUID


class ResolveFollowUp(Command):
    """An emergency carried over from an earlier day has been followed up."""

    type: Literal["ResolveFollowUp"] = "ResolveFollowUp"
    visit_id: UUID


class CloseDay(Command):
    type: Literal["CloseDay"] = "CloseDay"
    business_date: date


class CloseRoom(Command):
    """A room goes out of service (lunch, a meeting, the end of a shift): nobody is called to it. `until`:
    when the host expects it back (within the day's opening); none, until further notice."""

    type: Literal["CloseRoom"] = "CloseRoom"
    room_id: ConfiguredId
    until: AwareDatetime | None = None


class OpenRoom(Command):
    """A room is back in service."""

    type: Literal["OpenRoom"] = "OpenRoom"
    room_id: ConfiguredId


class CheckAppointments(Command):
    """The queue worker's own timer asks it to mark the office's appointments nobody came for as missed
    (`AppointmentMissed`), on its clock: decided where the office's state is written, by its one writer."""

    type: Literal["CheckAppointments"] = "CheckAppointments"
    business_date: date
