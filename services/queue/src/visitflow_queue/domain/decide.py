"""What the queue does with a check-in or a host command: pure functions from state to new events.

Event ids derive from the command (or visit) that caused them, so a decision replayed after a crash
produces the same ids and every consumer ignores the repeat.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from visitflow_events import (
    CallNext,
    CallVisit,
    CancelVisit,
    CloseDay,
    CloseRoom,
    Command,
    CommandRejected,
    CompleteService,
    Event,
    FollowUpResolved,
    HoldVisit,
    MarkNoShow,
    OfficeDayClosed,
    OpenRoom,
    Outcome,
    Recall,
    ResolveFollowUp,
    ReturnVisit,
    RoomClosed,
    RoomOpened,
    ServiceCompleted,
    ServiceStarted,
    StartService,
    TransferVisit,
    UndoRemoval,
    VisitCancelled,
    VisitCarriedOver,
    VisitClosedAtDayEnd,
    VisitHeld,
    VisitorCalled,
    VisitorCheckedIn,
    VisitorNoShow,
    VisitorQueued,
    VisitRestored,
    VisitReturned,
    VisitStage,
    VisitTransferred,
    new_envelope,
    office_day_correlation,
    visit_correlation,
)
from visitflow_offices import OSLO, Office, business_date

from .estimates import ahead_of, forecast
from .ordering import callable_in_order
from .rooms import until_refusal
from .state import OfficeQueue, OpenVisit, evolve, new_day

PRODUCER = "queue"
_IDS = UUID("6f1d8a52-3c1e-4a8e-9d7e-2b1f0c9e5a11")
DAY_CLOSES_AFTER = timedelta(minutes=30)  # after the office's last opening span, the worker closes its day


@dataclass(frozen=True)
class Decision:
    events: list[Event] = field(default_factory=list)
    rejection: CommandRejected | None = None


class Rejected(Exception):
    """A command the queue will not carry out. The detail never quotes the command (a command's fields
    are what a client sent): it is answered, and kept in Redis and on the results table's changelog."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


# What a command may name of its office, by field: the closed sets of the office configuration.
_CONFIGURED: dict[str, tuple[str, Callable[[Office, str], object | None]]] = {
    "room_id": ("room", Office.room),
    "line_id": ("line", Office.line),
    "to_line_id": ("line", Office.line),
    "counsellor_id": ("counsellor", Office.counsellor),
}


def unknown_ids(office: Office, fields: Mapping[str, object]) -> list[tuple[str, str]]:
    """The fields that name a room, line or counsellor the office does not have: (field, what it names)."""
    return [
        (name, what)
        for name, (what, find) in _CONFIGURED.items()
        if isinstance(value := fields.get(name), str) and find(office, value) is None
    ]


def _envelope(
    cause_id: UUID, index: int, source: VisitorCheckedIn | Command, now: datetime, about: UUID
) -> dict[str, object]:
    """The envelope of the `index`th event `source` caused; `about` is its correlation id (the visit's,
    or the office day's)."""
    return new_envelope(
        event_id=uuid5(_IDS, f"{cause_id}:{index}"),
        occurred_at=now,
        office_id=source.office_id,
        correlation_id=about,
        causation_id=source.message_id,
        producer=PRODUCER,
    )


def fold(state: OfficeQueue, events: list[Event], zone: ZoneInfo = OSLO) -> OfficeQueue:
    for event in events:
        state = evolve(state, event, zone)
    return state


def close_day(
    state: OfficeQueue, business_date: date, source: VisitorCheckedIn | Command, now: datetime
) -> list[Event]:
    """Ends the day without dropping anyone: a visitor in a conversation is completed as served, an
    emergency not yet served is carried over to the follow-up list (emergency help is always given),
    and any other open visit is closed; then `OfficeDayClosed` says how many of each."""
    # a day reopened by a late emergency closes again: the tickets issued so far tell the closings apart
    cause = uuid5(_IDS, f"close:{state.office_id}:{business_date}:{len(state.tickets)}")
    events: list[Event] = []
    for index, visit in enumerate(sorted(state.visits.values(), key=lambda v: v.ticket)):
        common = {
            **_envelope(cause, index, source, now, visit_correlation(visit.visit_id)),
            "visit_id": visit.visit_id,
            "business_date": business_date,
            "ticket": visit.ticket,
        }
        if visit.stage is VisitStage.IN_SERVICE:
            events.append(ServiceCompleted(**common, room_id=visit.room_id, outcome=Outcome.SERVED))
        elif visit.emergency:
            events.append(
                VisitCarriedOver(
                    **common,
                    kind=visit.kind,
                    stage=visit.stage,
                    line_id=visit.line_id,
                    checked_in_at=visit.checked_in_at,
                )
            )
        else:
            events.append(VisitClosedAtDayEnd(**common, kind=visit.kind, stage=visit.stage))
    events.append(
        OfficeDayClosed(
            **_envelope(
                cause, len(events), source, now, office_day_correlation(state.office_id, business_date)
            ),
            business_date=business_date,
            closed_visits=sum(1 for e in events if isinstance(e, VisitClosedAtDayEnd)),
            completed_visits=sum(1 for e in events if isinstance(e, ServiceCompleted)),
            carried_over_visits=sum(1 for e in events if isinstance(e, VisitCarriedOver)),
        )
    )
    return events


def check_in(
    state: OfficeQueue,
    office: Office,
    event: VisitorCheckedIn,
    now: datetime,
    zone: ZoneInfo = OSLO,
    estimate: bool = True,
) -> list[Event]:
    """Gives a checked-in visitor a ticket and a place. A visit already queued today gives nothing new.

    With `estimate`, the `VisitorQueued` carries the visitor's place and the wait a forecast of the office
    gives; without, its place is 1 and its wait 0 for the caller to fill in (a batch forecasts and
    pictures each office once, after all its check-ins)."""
    if event.visit_id in state.tickets:
        return []
    if state.business_date is not None and event.business_date < state.business_date:
        return []  # from a day that is over: that visitor is not waiting any more
    events: list[Event] = []
    if state.business_date is not None and state.business_date < event.business_date:
        if not state.day_closed:
            events = close_day(state, state.business_date, event, now)  # yesterday was never closed
        state = new_day(fold(state, events, zone), event.business_date)
    line = office.line(event.line_id) or office.line_for(event.kind, event.reason)
    ticket = f"{line.prefix}-{state.counters.get(line.prefix, 0) + 1:03d}"
    appointment = event.appointment
    counsellor = (
        office.counsellor(appointment.counsellor_id) if appointment and appointment.counsellor_id else None
    )
    queued = VisitorQueued(
        **_envelope(event.visit_id, 0, event, now, visit_correlation(event.visit_id)),
        visit_id=event.visit_id,
        business_date=event.business_date,
        ticket=ticket,
        kind=event.kind,
        reason=event.reason,
        line_id=line.id,
        checked_in_at=event.occurred_at,
        appointment_at=appointment.starts_at if appointment else None,
        counsellor_id=counsellor.id if counsellor else None,
        needs=event.needs,
        position=1,
        estimated_wait_s=0,
    )
    if not estimate:
        return [*events, queued]
    after = evolve(state, queued, zone)
    visit = after.visits[event.visit_id]
    ahead = ahead_of(after, office, visit, now)
    wait = forecast(after, office, now, zone).visits[visit.visit_id].expected_s
    return [*events, queued.model_copy(update={"position": ahead + 1, "estimated_wait_s": wait})]


def _configured(office: Office, command: Command) -> None:
    if unknown := unknown_ids(office, dict(command)):
        _, what = unknown[0]
        raise Rejected(f"unknown_{what}", f"{office.name} has no such {what}.")


def _open(state: OfficeQueue, office: Office, visit_id: UUID) -> OpenVisit:
    visit = state.visit(visit_id)
    if visit is None:
        raise Rejected("unknown_visit", f"That visit is not open at {office.name} today.")
    return visit


def _in_service(state: OfficeQueue, office: Office, room_id: str) -> None:
    if room_id in state.closed_rooms:
        room = office.room(room_id)
        assert room is not None  # commands name only the office's rooms (`_configured`)
        raise Rejected("room_closed", f"{room.name} is out of service; open it first.")


def _free_room(state: OfficeQueue, office: Office, room_id: str) -> None:
    occupant = state.occupant(room_id)
    if occupant is not None:
        room = office.room(room_id)
        assert room is not None  # commands name only the office's rooms (`_configured`)
        raise Rejected("room_busy", f"{room.name} is in use by {occupant.ticket}; finish that visit first.")


def _room_name(office: Office, room_id: str) -> str:
    room = office.room(room_id)
    assert room is not None  # commands name only the office's rooms (`_configured`)
    return room.name


def _require(visit: OpenVisit, *stages: VisitStage) -> None:
    if visit.stage not in stages:
        wanted = " or ".join(stage.value.replace("_", " ") for stage in stages)
        raise Rejected(
            "wrong_stage", f"{visit.ticket} is {visit.stage.value.replace('_', ' ')}, not {wanted}."
        )


def _callable(visit: OpenVisit) -> None:
    if visit.held:
        raise Rejected("on_hold", f"{visit.ticket} is on hold; put them back in line first.")


def _called(
    state: OfficeQueue,
    office: Office,
    visit: OpenVisit,
    room_id: str,
    call_number: int,
    day: date,
    envelope: dict[str, object],
    now: datetime,
    in_order: list[OpenVisit] | None = None,
) -> VisitorCalled:
    """The call, with who is first in line after it, as far as the office's "nearly your turn" reaches
    (notify tells them it is nearly their turn); `in_order` is the office's `callable_in_order` at `now`
    if the caller has it. Their estimates (`up_next_waits`) are the caller's to fill in: the queue
    worker takes them from the one forecast it makes of the office after its batch
    (`handlers.visit_events`), as it does every other figure of the batch."""
    if in_order is None:
        in_order = callable_in_order(state, office, now=now)
    after = [v.visit_id for v in in_order if v.visit_id != visit.visit_id]
    return VisitorCalled(
        **envelope,
        visit_id=visit.visit_id,
        business_date=day,
        ticket=visit.ticket,
        line_id=visit.line_id,
        room_id=room_id,
        call_number=call_number,
        up_next=tuple(after[: office.policy.sms_nearly_position]),
    )


def _undo(
    state: OfficeQueue, office: Office, command: UndoRemoval, day: date, envelope: dict[str, object]
) -> Event:
    """The visit back where it was before its last removal, if that is its last act and recent enough:
    the undo's time (when the host tapped, on the injected clock) against the removal's."""
    removal = state.removed.get(command.visit_id)
    if removal is None:
        raise Rejected("nothing_to_undo", "That visit has no removal to undo.")
    visit = removal.before
    if (command.occurred_at - removal.at).total_seconds() > office.policy.undo_seconds:
        raise Rejected(
            "undo_expired",
            f"{visit.ticket} can no longer be undone: undo is possible for "
            f"{office.policy.undo_seconds} seconds.",
        )
    if visit.room_id is not None:  # back to the room it was called to: the room must be free again
        _free_room(state, office, visit.room_id)
    return VisitRestored(
        **envelope,
        visit_id=visit.visit_id,
        business_date=day,
        ticket=visit.ticket,
        undone=removal.act,
        undone_event_id=removal.event_id,
        stage=visit.stage,
        line_id=visit.line_id,
        room_id=visit.room_id,
        counsellor_id=visit.counsellor_id,
        calls=visit.calls,
        held=visit.held,
    )


def _resolve(
    state: OfficeQueue, office: Office, command: ResolveFollowUp, envelope: dict[str, object]
) -> Event:
    follow_up = state.follow_ups.get(command.visit_id)
    if follow_up is None:
        raise Rejected("unknown_visit", f"That visit is not on the follow-up list of {office.name}.")
    return FollowUpResolved(
        **envelope,
        visit_id=follow_up.visit_id,
        business_date=follow_up.business_date,
        ticket=follow_up.ticket,
    )


def _decide(
    state: OfficeQueue, office: Office, command: Command, now: datetime, zone: ZoneInfo
) -> list[Event]:
    def envelope(visit_id: UUID | None = None) -> dict[str, object]:
        """Of the command's event: about the visit it names or calls, else about the office's day."""
        about = visit_correlation(visit_id) if visit_id else office_day_correlation(command.office_id, day)
        return _envelope(command.command_id, 0, command, now, about)

    day = state.business_date or business_date(now, zone)
    _configured(office, command)
    match command:
        case CallNext():
            _in_service(state, office, command.room_id)
            _free_room(state, office, command.room_id)
            queue = callable_in_order(state, office, command.line_id, command.counsellor_id, now)
            if not queue:
                line = office.line(command.line_id) if command.line_id else None
                raise Rejected("nobody_waiting", "Nobody is waiting" + (f" in {line.name}." if line else "."))
            visit = queue[0]
            office_wide = command.line_id is None and command.counsellor_id is None
            return [
                _called(
                    state,
                    office,
                    visit,
                    command.room_id,
                    1,
                    day,
                    envelope(visit.visit_id),
                    now,
                    queue if office_wide else None,  # the office's order: not made twice
                )
            ]
        case CallVisit():
            visit = _open(state, office, command.visit_id)
            _require(visit, VisitStage.WAITING)
            _callable(visit)
            _in_service(state, office, command.room_id)
            _free_room(state, office, command.room_id)
            return [_called(state, office, visit, command.room_id, 1, day, envelope(visit.visit_id), now)]
        case Recall():
            visit = _open(state, office, command.visit_id)
            _require(visit, VisitStage.CALLED)
            if visit.calls >= office.policy.no_show_after_calls:
                raise Rejected(
                    "recall_limit",
                    f"{visit.ticket} was called {visit.calls} times; mark a no-show or put them on hold.",
                )
            room = visit.room_id or ""
            return [_called(state, office, visit, room, visit.calls + 1, day, envelope(visit.visit_id), now)]
        case StartService():
            visit = _open(state, office, command.visit_id)
            _require(visit, VisitStage.CALLED)
            return [
                ServiceStarted(
                    **envelope(visit.visit_id),
                    visit_id=visit.visit_id,
                    business_date=day,
                    ticket=visit.ticket,
                    room_id=visit.room_id or "",
                )
            ]
        case CompleteService():
            visit = _open(state, office, command.visit_id)
            return [
                ServiceCompleted(
                    **envelope(visit.visit_id),
                    visit_id=visit.visit_id,
                    business_date=day,
                    ticket=visit.ticket,
                    room_id=visit.room_id,
                    outcome=command.outcome,
                )
            ]
        case MarkNoShow():
            visit = _open(state, office, command.visit_id)
            _require(visit, VisitStage.WAITING, VisitStage.CALLED)
            return [
                VisitorNoShow(
                    **envelope(visit.visit_id),
                    visit_id=visit.visit_id,
                    business_date=day,
                    ticket=visit.ticket,
                    calls=visit.calls,
                )
            ]
        case TransferVisit():
            visit = _open(state, office, command.visit_id)
            if command.to_line_id == visit.line_id and command.counsellor_id == visit.counsellor_id:
                raise Rejected("same_line", f"{visit.ticket} is already waiting there.")
            return [
                VisitTransferred(
                    **envelope(visit.visit_id),
                    visit_id=visit.visit_id,
                    business_date=day,
                    ticket=visit.ticket,
                    from_line_id=visit.line_id,
                    to_line_id=command.to_line_id,
                    counsellor_id=command.counsellor_id,
                )
            ]
        case CancelVisit():
            visit = _open(state, office, command.visit_id)
            return [
                VisitCancelled(
                    **envelope(visit.visit_id),
                    visit_id=visit.visit_id,
                    business_date=day,
                    ticket=visit.ticket,
                    cause=command.cause,
                )
            ]
        case HoldVisit():
            visit = _open(state, office, command.visit_id)
            _require(visit, VisitStage.WAITING, VisitStage.CALLED)
            if visit.held:
                raise Rejected("wrong_stage", f"{visit.ticket} is on hold already.")
            return [
                VisitHeld(
                    **envelope(visit.visit_id),
                    visit_id=visit.visit_id,
                    business_date=day,
                    ticket=visit.ticket,
                    line_id=visit.line_id,
                    stage=visit.stage,
                )
            ]
        case ReturnVisit():
            visit = _open(state, office, command.visit_id)
            if not visit.held:
                raise Rejected("wrong_stage", f"{visit.ticket} is not on hold.")
            return [
                VisitReturned(
                    **envelope(visit.visit_id),
                    visit_id=visit.visit_id,
                    business_date=day,
                    ticket=visit.ticket,
                    line_id=visit.line_id,
                )
            ]
        case UndoRemoval():
            return [_undo(state, office, command, day, envelope(command.visit_id))]
        case ResolveFollowUp():
            return [_resolve(state, office, command, envelope(command.visit_id))]
        case CloseRoom():
            if command.room_id in state.closed_rooms:
                raise Rejected(
                    "room_closed", f"{_room_name(office, command.room_id)} is already out of service."
                )
            if command.until is not None and (refusal := until_refusal(office, command.until, now, zone)):
                raise Rejected("bad_until", refusal)
            return [RoomClosed(**envelope(), business_date=day, room_id=command.room_id, until=command.until)]
        case OpenRoom():
            if command.room_id not in state.closed_rooms:
                raise Rejected("room_open", f"{_room_name(office, command.room_id)} is already in service.")
            return [RoomOpened(**envelope(), business_date=day, room_id=command.room_id)]
        case CloseDay():
            if state.day_closed or state.business_date != command.business_date:
                raise Rejected("already_closed", f"{office.name} has no open day of that date.")
            return close_day(state, state.business_date, command, now)
    raise Rejected("unknown_command", "The queue does not know this command.")


def decide(
    state: OfficeQueue, office: Office, command: Command, now: datetime, zone: ZoneInfo = OSLO
) -> Decision:
    try:
        return Decision(events=_decide(state, office, command, now, zone))
    except Rejected as rejected:
        return Decision(
            rejection=CommandRejected(
                **_envelope(command.command_id, 0, command, now, command.correlation_id),
                command_id=command.command_id,
                command_type=str(command.model_dump()["type"]),
                code=rejected.code,
                detail=rejected.detail,
            )
        )
