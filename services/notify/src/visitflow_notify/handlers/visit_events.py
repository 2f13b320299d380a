"""What the notify worker does with visit events and notification requests, over its ports.

A batch of visit events changes the boards and audiences in memory, then each office's board is pushed
and stored once, and the notification requests and outcomes are recorded together. What is stored
comes after what it caused (frames pushed, requests recorded), so a batch retried after a failure does
again what was not done yet (pushing at least once, never skipping). A notification request is
delivered by the sender and its outcome recorded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any
from uuid import UUID

from visitflow_events import (
    Channel,
    Event,
    Message,
    NotificationRequested,
    VisitorCalled,
)
from visitflow_offices import Clock, Office, OfficeDirectory
from visitflow_platform.live import Outgoing, office_frames

from ..domain import CALLED, Audience, Board, apply, notices, outcome
from ..domain.views import counsellor_frame, counsellor_view, display_frame, display_view
from ..domain.visitor import VISITS_FRAME, visits_frame, visits_view
from .ports import Deliverer, Feeds, Notifications, Table


def _display_frame(view: dict[str, Any], event: Event, _last: bool) -> str:
    return display_frame(view, event)  # every display frame carries the board


def _counsellor_frame(frame: str, _event: Event, _last: bool) -> str:
    return frame  # every counsellor frame carries the office's arrivals


@dataclass
class Changed:
    """An office's board changed by a batch: the events that changed what its display shows, those that
    changed its counsellors' arrivals, and the message to blame if storing it fails."""

    board: Board
    cause: Message
    display: list[Event] = field(default_factory=list)
    arrivals: list[Event] = field(default_factory=list)


@dataclass
class NotifyHandlers:
    offices: OfficeDirectory
    clock: Clock
    boards: Table[Board]
    audiences: Table[Audience]
    feeds: Feeds
    notifications: Notifications
    sender: Deliverer
    display_calls: int
    display_linger: timedelta
    # the context a table write for a message is made in (the worker's: that message's partition)
    writing_for: Callable[[Message], contextlib.AbstractContextManager[None]] = lambda _: (
        contextlib.nullcontext()
    )
    # Display deliveries not yet recorded, and the attempts of each call: they outlive a batch that is
    # retried after a Redis or Kafka failure.
    shown: list[Message] = field(default_factory=list)
    tries: dict[UUID, int] = field(default_factory=dict)

    def _view(self, board: Board, office: Office) -> dict[str, Any]:
        return display_view(board, office, self.clock.now(), self.display_linger)

    def _visitors(self, board: Board, office: Office, shows: dict[str, Any]) -> Outgoing:
        frame = visits_frame(visits_view(board, office, shows))
        return Outgoing(office.id, VISITS_FRAME, frame, frame)

    async def reproject(self) -> int:
        """Every held office's display, counsellor and visitor pictures again, after Redis lost them."""
        frames, counsellor_frames, visitor_frames = [], [], []
        for office_id in self.boards.stored():
            if (office := self.offices.office(office_id)) is not None:
                board = self.boards.get(office.id)
                shows = self._view(board, office)
                frames.append(Outgoing.fresh_snapshot(office.id, display_frame(shows)))
                counsellor = counsellor_frame(counsellor_view(board, office))
                counsellor_frames.append(Outgoing.fresh_snapshot(office.id, counsellor))
                visitor_frames.append(self._visitors(board, office, shows))
        await self.feeds.publish(frames, counsellor_frames, visitor_frames)
        return len(frames)

    async def _show(self, changed: dict[str, Changed]) -> None:
        """Pushes every changed office's new frames to its displays and counsellors; each call shown is
        recorded."""
        frames, arrivals, calls, visitor_frames = [], [], [], []
        for office_id, change in changed.items():
            office = self.offices.office(office_id)
            assert office is not None
            shows = self._view(change.board, office)
            visitor_frames.append(self._visitors(change.board, office, shows))
            if change.display:
                render = partial(_display_frame, shows)
                frames += office_frames(office_id, change.display, render, display_frame(shows))
                calls += [event for event in change.display if isinstance(event, VisitorCalled)]
            if change.arrivals:
                counsellor = counsellor_frame(counsellor_view(change.board, office))
                render = partial(_counsellor_frame, counsellor)
                arrivals += office_frames(office_id, change.arrivals, render, counsellor)
        for call in calls:
            self.tries[call.event_id] = self.tries.get(call.event_id, 0) + 1
        await self.feeds.publish(frames, arrivals, visitor_frames)
        at = self.clock.now()
        self.shown.extend(
            outcome(call, Channel.DISPLAY, CALLED, self.tries.pop(call.event_id), at) for call in calls
        )

    async def handle_visit_events(self, messages: list[Message]) -> None:
        """A batch of visit events: boards and audiences change in memory, then each office's board is
        pushed and stored once, and the notification requests and outcomes are recorded together."""
        changed: dict[str, Changed] = {}
        audiences_changed: dict[str, tuple[Audience, Message]] = {}
        requests: list[Message] = []
        for message in messages:
            office = self.offices.office(message.office_id)
            if office is None or not isinstance(message, Event):
                continue
            board = changed[office.id].board if office.id in changed else self.boards.get(office.id)
            after = apply(board, message, self.display_calls)
            if after is not board:
                change = changed.setdefault(office.id, Changed(after, message))
                change.board, change.cause = after, message
                if (
                    after.calls is not board.calls
                    or after.lines is not board.lines
                    or after.closed_rooms is not board.closed_rooms
                ):
                    change.display.append(message)
                if after.arrivals is not board.arrivals:
                    change.arrivals.append(message)
            audience = audiences_changed.get(office.id, (self.audiences.get(office.id), message))[0]
            audience_after, asked = notices(audience, message, office.policy.sms_nearly_position)
            if audience_after is not audience:
                audiences_changed[office.id] = (audience_after, message)
            requests += asked
        await self._show(changed)
        for office_id, change in changed.items():
            with self.writing_for(change.cause):
                self.boards.put(office_id, change.board)
        if requests or self.shown:
            await self.notifications.record([*requests, *self.shown])
            self.shown.clear()
        for office_id, (audience, cause) in audiences_changed.items():
            with self.writing_for(cause):
                self.audiences.put(office_id, audience)

    async def handle_notification(self, message: Message) -> None:
        """Delivers a request and records its outcome (nothing when it was delivered before)."""
        if isinstance(message, NotificationRequested) and (delivered := await self.sender.deliver(message)):
            await self.notifications.record([delivered])
