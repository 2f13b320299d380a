"""Which notifications an event calls for: SMS for visitors who opted in (the link to their own page
when queued, "nearly your turn", "your turn, room X"), and "your appointment has arrived" for
counsellors. Each at most once per visit. And the record of each outcome, on whichever channel it went
out."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict
from visitflow_events import (
    Channel,
    Event,
    NotificationFailed,
    NotificationRequested,
    NotificationSent,
    OfficeDayClosed,
    VisitKind,
    VisitorCalled,
    VisitorCheckedIn,
    VisitorQueued,
    new_envelope,
    visit_correlation,
)

YOUR_PAGE = "your_page"  # the link itself is in the contact store only: the sender adds it
NEARLY = "nearly_your_turn"
CALLED = "your_turn"
ARRIVED = "appointment_arrived"
PRODUCER = "notify"


class Audience(BaseModel):
    """Who opted in to SMS today, and what has already been asked for (so nothing is sent twice)."""

    model_config = ConfigDict(frozen=True)

    office_id: str
    sms: frozenset[UUID] = frozenset()
    requested: frozenset[str] = frozenset()


def _request(
    event: Event, visit_id: UUID, channel: Channel, template: str, **details: object
) -> NotificationRequested:
    return NotificationRequested(
        **new_envelope(
            event_id=uuid5(NAMESPACE_URL, f"notify:{visit_id}:{template}:{event.event_id}"),
            occurred_at=event.occurred_at,
            office_id=event.office_id,
            correlation_id=visit_correlation(visit_id),
            causation_id=event.event_id,
            producer=PRODUCER,
        ),
        visit_id=visit_id,
        channel=channel,
        template=template,
        **details,
    )


def notices(
    audience: Audience, event: Event, nearly_position: int
) -> tuple[Audience, list[NotificationRequested]]:
    if isinstance(event, OfficeDayClosed):
        return Audience(office_id=audience.office_id), []
    if isinstance(event, VisitorCheckedIn):
        if event.sms_opt_in and event.visit_id not in audience.sms:
            return audience.model_copy(update={"sms": audience.sms | {event.visit_id}}), []
        return audience, []
    wanted: list[tuple[str, NotificationRequested]] = []
    if isinstance(event, VisitorQueued) and event.kind is VisitKind.APPOINTMENT and event.counsellor_id:
        wanted.append(
            (
                f"{event.visit_id}:{ARRIVED}",
                _request(
                    event,
                    event.visit_id,
                    Channel.COUNSELLOR,
                    ARRIVED,
                    ticket=event.ticket,
                    counsellor_id=event.counsellor_id,
                ),
            )
        )
    if isinstance(event, VisitorQueued) and event.visit_id in audience.sms:
        wanted.append(
            (
                f"{event.visit_id}:{YOUR_PAGE}",
                _request(event, event.visit_id, Channel.SMS, YOUR_PAGE, ticket=event.ticket),
            )
        )
    if isinstance(event, VisitorCalled):
        if event.visit_id in audience.sms and event.call_number == 1:
            wanted.append(
                (
                    f"{event.visit_id}:{CALLED}",
                    _request(
                        event, event.visit_id, Channel.SMS, CALLED, ticket=event.ticket, room_id=event.room_id
                    ),
                )
            )
        for position, visit_id in enumerate(event.up_next[:nearly_position], start=1):
            if visit_id in audience.sms:
                # the queue's estimate for them after this call, as the tablet shows it
                estimate = event.up_next_waits[position - 1] if len(event.up_next_waits) >= position else None
                minutes, minutes_to = estimate.said() if estimate else (None, None)
                wanted.append(
                    (
                        f"{visit_id}:{NEARLY}",
                        _request(
                            event,
                            visit_id,
                            Channel.SMS,
                            NEARLY,
                            position=position,
                            wait_minutes=minutes,
                            wait_minutes_to=minutes_to,
                        ),
                    )
                )
    fresh = [(key, request) for key, request in wanted if key not in audience.requested]
    if not fresh:
        return audience, []
    requested = audience.requested | {key for key, _ in fresh}
    return audience.model_copy(update={"requested": requested}), [request for _, request in fresh]


def outcome(
    cause: NotificationRequested | VisitorCalled,
    channel: Channel,
    template: str,
    attempts: int,
    at: datetime,
    error: str | None = None,
) -> NotificationSent | NotificationFailed:
    """The record of one delivery: of a requested notification, or of a call shown on the display.

    Its id follows from the cause, so a delivery repeated after a restart records the same event."""
    envelope = {
        **new_envelope(
            event_id=uuid5(NAMESPACE_URL, f"outcome:{cause.event_id}"),
            occurred_at=at,
            office_id=cause.office_id,
            correlation_id=cause.correlation_id,  # its visit's, as the request's or the call's
            causation_id=cause.event_id,
            producer=PRODUCER,
        ),
        "visit_id": cause.visit_id,
        "channel": channel,
        "template": template,
        "attempts": attempts,
    }
    if error is None:
        return NotificationSent(**envelope)
    return NotificationFailed(**envelope, error=error[:500])
