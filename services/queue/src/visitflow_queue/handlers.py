"""Applies messages to the offices that own them: decide, emit, remember, project, reply.

Messages come in batches (whatever the partitions hold, up to a limit): every decision of a batch is
made first, in memory and in order, then the batch's events are emitted together, each office's state
and view are stored once, and the replies go out in one round trip. A busy office thus costs one Kafka
round trip and one state write per batch rather than per visitor.

Order matters for crash safety: events are emitted (and acknowledged) before the state and the
command's result are stored. A crash in between replays the same decisions with the same event ids,
which every consumer ignores; a crash after finds the result stored and only answers again.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from visitflow_events import Command, Event, Message, VisitorCheckedIn, as_dict
from visitflow_offices import Clock, OfficeDirectory

from .domain import OfficeQueue, check_in, decide, fold, snapshot
from .domain.estimates import ahead_of, estimated_wait_seconds

log = logging.getLogger(__name__)


class Outbox(Protocol):
    async def emit(self, events: list[Event]) -> None: ...
    async def project(self, changes: list[tuple[str, list[Event], dict[str, Any]]]) -> None: ...
    async def reply(self, replies: list[tuple[str, dict[str, Any]]]) -> None: ...
    async def refresh(self, views: list[tuple[str, dict[str, Any]]]) -> None: ...


@dataclass
class _Batch:
    """What a batch decided, not yet emitted or stored."""

    states: dict[str, OfficeQueue] = field(default_factory=dict)
    events: dict[str, list[Event]] = field(default_factory=dict)
    results: dict[str, tuple[Message, dict[str, Any]]] = field(default_factory=dict)
    replies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    last: dict[str, Message] = field(default_factory=dict)  # each office's last message that changed it

    def record(self, state: OfficeQueue, events: list[Event], cause: Message) -> OfficeQueue:
        state = fold(state, events)
        self.states[state.office_id] = state
        self.events.setdefault(state.office_id, []).extend(events)
        self.last[state.office_id] = cause
        return state


@dataclass
class QueueHandlers:
    offices: OfficeDirectory
    clock: Clock
    outbox: Outbox
    states: MutableMapping[str, dict[str, Any]]
    results: MutableMapping[str, dict[str, Any]]
    # the context a table write for a message is made in (the worker's: that message's partition)
    writing_for: Callable[[Message], contextlib.AbstractContextManager[None]] = lambda _: (
        contextlib.nullcontext()
    )

    def __post_init__(self) -> None:
        # parsing an office's state once per change, not once per message
        self._cache: dict[str, tuple[dict[str, Any], OfficeQueue]] = {}

    def state(self, office_id: str) -> OfficeQueue:
        raw = self.states.get(office_id)
        if raw is None:
            return OfficeQueue(office_id=office_id)
        cached = self._cache.get(office_id)
        if cached is not None and cached[0] is raw:
            return cached[1]
        state = OfficeQueue.model_validate(raw)
        self._cache[office_id] = (raw, state)
        return state

    def _store(self, state: OfficeQueue) -> None:
        raw = state.model_dump(mode="json")
        self.states[state.office_id] = raw
        self._cache[state.office_id] = (raw, state)

    async def handle(self, message: Message) -> None:
        await self.handle_batch([message])

    async def handle_batch(self, messages: Sequence[Message]) -> None:
        batch = _Batch()
        for message in messages:
            if isinstance(message, VisitorCheckedIn):
                self._check_in(message, batch)
            elif isinstance(message, Command):
                self._command(message, batch)
            # every other event on the visits topic is the queue's own output, or not its business
        await self._commit(batch)

    async def _commit(self, batch: _Batch) -> None:
        emitted = [event for events in batch.events.values() for event in events]
        if emitted:
            await self.outbox.emit(emitted)
        for office_id in batch.events:
            with self.writing_for(batch.last[office_id]):
                self._store(batch.states[office_id])
        for key, (cause, result) in batch.results.items():
            with self.writing_for(cause):
                self.results[key] = result
        changes = []
        for office_id, events in batch.events.items():
            office = self.offices.office(office_id)
            assert office is not None  # only known offices decide anything
            changes.append((office_id, events, snapshot(batch.states[office_id], office)))
        await self.outbox.project(changes)
        if batch.replies:
            await self.outbox.reply(batch.replies)

    def _current(self, office_id: str, batch: _Batch) -> OfficeQueue:
        return batch.states.get(office_id) or self.state(office_id)

    def _check_in(self, event: VisitorCheckedIn, batch: _Batch) -> None:
        office = self.offices.office(event.office_id)
        if office is None:
            log.warning("check-in for an unknown office", extra={"office_id": event.office_id})
            return
        state = self._current(office.id, batch)
        if events := check_in(state, office, event, self.clock.now()):
            state = batch.record(state, events, event)
        visit = state.visit(event.visit_id)
        ticket = state.tickets.get(event.visit_id)
        if ticket is None:  # queued on an earlier day: nothing to say
            return
        ahead = ahead_of(state, office, visit) if visit else 0
        line_id = visit.line_id if visit else event.line_id
        batch.replies.append(
            (
                str(event.visit_id),
                {
                    "visit_id": str(event.visit_id),
                    "ticket": ticket,
                    "line_id": line_id,
                    "position": ahead + 1,
                    "estimated_wait_s": estimated_wait_seconds(state, office, line_id, ahead),
                },
            )
        )

    def _command(self, command: Command, batch: _Batch) -> None:
        key = str(command.command_id)
        stored = batch.results[key][1] if key in batch.results else self.results.get(key)
        if stored is not None:
            batch.replies.append((key, stored))
            return
        office = self.offices.office(command.office_id)
        if office is None:
            log.warning("command for an unknown office", extra={"office_id": command.office_id})
            return
        state = self._current(office.id, batch)
        decision = decide(state, office, command, self.clock.now())
        if decision.rejection is not None:
            result: dict[str, Any] = {"rejected": as_dict(decision.rejection)}
        else:
            if decision.events:
                batch.record(state, decision.events, command)
            result = {"events": [as_dict(event) for event in decision.events]}
        batch.results[key] = (command, result)
        batch.replies.append((key, result))
