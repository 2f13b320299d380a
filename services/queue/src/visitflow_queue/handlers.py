"""Applies messages to the offices that own them: decide, emit, remember, project, reply.

Messages come in batches (whatever the partitions hold, up to a limit): every decision of a batch is
made first, in memory and in order, then the batch's events are emitted together, the views and
replies go out in one Redis round trip, and each office's state is stored once. A busy office thus
costs one Kafka round trip and one state write per batch rather than per visitor.

Order matters for crash safety: events are emitted (and acknowledged) before anyone is answered and
before the state and the command's result are stored. A crash after the acknowledgement and before the
store replays the same decisions with the same event ids, which every consumer ignores, and answers
again; a crash after the store finds the result stored and only answers again. The answers go before
the store because they need only the acknowledged events (docs/decisions/answer-before-store.md).

A command's result is kept an hour (docs/decisions/command-results-kept-an-hour.md): the office's next
command after that deletes it, so the results table, and what a restarting worker reads, holds about
an hour of commands.
A retry later than that is answered from the reply the API keeps in Redis for a day.

A command id comes from the client's Idempotency-Key, so a command whose id has a result is answered
with that result and never decided: a retry gets the first answer. The result carries the fingerprint
of the command that made it, so the API tells a key used again for another command from a retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from visitflow_events import (
    Command,
    Event,
    LineWait,
    Message,
    OfficeDayClosed,
    VisitorCheckedIn,
    WaitEstimate,
    as_dict,
)
from visitflow_offices import Clock, Office, OfficeDirectory
from visitflow_platform.tables import ParsedTable

from .domain import OfficeQueue, VisitViews, check_in, decide, fold, snapshot
from .domain.estimates import (
    Forecast,
    Staffing,
    ahead_of,
    forecast,
    line_waits,
    serving_rooms,
    staffing,
    wait_view,
    waits_estimated,
)
from .domain.readmodel import time_changes

log = logging.getLogger(__name__)
RESULTS_KEPT_S = 3_600.0
STAFFING_EVERY = timedelta(minutes=5)


class Outbox(Protocol):
    async def emit(self, events: list[Event]) -> None: ...
    async def project(
        self,
        changes: list[tuple[str, list[Event], dict[str, Any]]],
        replies: list[tuple[str, dict[str, Any]]],
    ) -> None: ...
    async def refresh(self, views: list[tuple[str, dict[str, Any]]]) -> None: ...


@dataclass
class _Batch:
    """What a batch decided, not yet emitted or stored."""

    now: datetime  # one time for the whole batch: its decisions, answers and pictures agree
    states: dict[str, OfficeQueue] = field(default_factory=dict)
    events: dict[str, list[Event]] = field(default_factory=dict)
    results: dict[str, tuple[Command, dict[str, Any]]] = field(default_factory=dict)
    replies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    last: dict[str, Message] = field(default_factory=dict)  # each office's last message that changed it
    commanded: dict[str, Command] = field(default_factory=dict)  # each office's last command

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
        # an office's state parsed once per change, not once per message, and dumped by its changes
        self._states = ParsedTable(
            self.states, OfficeQueue, lambda office_id: OfficeQueue(office_id=office_id)
        )
        self._views: dict[str, VisitViews] = {}  # per office: its visits' views in the last snapshot
        self._unpushed: set[str] = set()  # offices whose last picture did not reach Redis
        self._published: dict[str, tuple[LineWait, ...]] = {}  # each office's last `WaitsEstimated`
        # each office's staffing hint, when it was made and for how many rooms (made again when older
        # than `STAFFING_EVERY` or the rooms in service changed: it looks an hour ahead, and costs)
        self._staffing: dict[str, tuple[datetime, int, list[Staffing]]] = {}
        self._pictured: dict[str, datetime] = {}  # when each office's last picture was made
        self._batch = asyncio.Lock()  # a refresh between a batch's push and its store would push the past
        # each office's stored results, oldest first: (stored at, command id); built from the table
        # when first needed and again when the table holds other keys (a rebalance moved partitions)
        self._kept: dict[str, deque[tuple[float, str]]] = {}
        self._kept_keys = -1

    def state(self, office_id: str) -> OfficeQueue:
        return self._states.get(office_id)

    async def handle(self, message: Message) -> None:
        await self.handle_batch([message])

    async def handle_batch(self, messages: Sequence[Message]) -> None:
        batch = _Batch(now=self.clock.now())
        for message in messages:
            if isinstance(message, VisitorCheckedIn):
                self._check_in(message, batch)
            elif isinstance(message, Command):
                self._command(message, batch)
            # every other event on the visits topic is the queue's own output, or not its business
        async with self._batch:
            await self._commit(batch)

    async def _commit(self, batch: _Batch) -> None:
        changes, published = self._changes(batch)
        emitted = [event for _, events, _ in changes for event in events]
        if emitted:
            await self.outbox.emit(emitted)
            _log_days_closed(emitted)
        self._published.update(published)
        try:
            await self.outbox.project(changes, batch.replies)
        except BaseException:
            self._unpushed.update(batch.events)
            raise
        finally:
            # after the answers, which need only the acknowledged events
            # (docs/decisions/answer-before-store.md); and also when they failed, so that what was
            # emitted is stored and the batch's retry decides nothing again
            self._store(batch)
        self._unpushed.difference_update(batch.events)
        if self._unpushed:
            await self._push_again()

    async def refresh_with_time(self) -> int:
        """Pushes again the picture of each office that the time alone changed since it was made (the
        closing notice began, a visitor waited past the office's limit and moved up); returns how many."""
        async with self._batch:
            now = self.clock.now()
            changed = [
                office_id
                for office_id, made in self._pictured.items()
                if (office := self.offices.office(office_id)) is not None
                and time_changes(self.state(office_id), office, made, now, self.offices.timezone)
            ]
            if changed:
                try:
                    await self.outbox.refresh(self.snapshots(changed))
                except BaseException:
                    self._unpushed.update(changed)  # the office's next batch pushes them
                    raise
            return len(changed)

    async def _push_again(self) -> None:
        """Pushes the whole picture of each office whose last push failed (Redis away): the retry of
        its batch decides nothing again, so it has nothing new to push, and the office's screens and
        stored snapshot would stay behind until its next change."""
        await self.outbox.refresh(self.snapshots(sorted(self._unpushed)))
        self._unpushed.clear()

    def snapshots(self, office_ids: Iterable[str]) -> list[tuple[str, dict[str, Any]]]:
        """Each known office's picture as stored now (for a push made good, and the read-model healer)."""
        return [
            (office_id, snapshot)
            for office_id in office_ids
            if (snapshot := self._snapshot(office_id, self.state(office_id))) is not None
        ]

    def _changes(
        self, batch: _Batch
    ) -> tuple[list[tuple[str, list[Event], dict[str, Any]]], dict[str, tuple[LineWait, ...]]]:
        """Each changed office's events and its new snapshot; when its lines' estimates changed, the
        events end with `WaitsEstimated`, so the display shows what the tablet does (and the estimates
        so published, to remember once emitted)."""
        changes, published = [], {}
        for office_id, events in batch.events.items():
            office = self.offices.office(office_id)
            assert office is not None  # only known offices decide anything
            state = batch.states[office_id]
            estimates = forecast(state, office, batch.now, self.offices.timezone)
            lines = line_waits(state, office, estimates)
            if state.business_date is not None and lines != self._published.get(office_id):
                cause = batch.last[office_id]
                events = [*events, waits_estimated(state.business_date, lines, cause, batch.now)]
                published[office_id] = lines
            view = self._snapshot(office_id, state, estimates, batch.now)
            assert view is not None
            changes.append((office_id, events, view))
        return changes, published

    def _snapshot(
        self,
        office_id: str,
        state: OfficeQueue,
        estimates: Forecast | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any] | None:
        office = self.offices.office(office_id)
        if office is None:
            return None
        now = now or self.clock.now()
        self._pictured[office_id] = now
        views = self._views.setdefault(office_id, VisitViews())
        hint = self._staffing_hint(state, office, now)
        return snapshot(state, office, views, now, self.offices.timezone, estimates, hint)

    def _staffing_hint(self, state: OfficeQueue, office: Office, now: datetime) -> list[Staffing]:
        made = self._staffing.get(office.id)
        rooms = serving_rooms(state, office)
        if made is None or made[1] != rooms or not timedelta(0) <= now - made[0] < STAFFING_EVERY:
            made = (now, rooms, staffing(state, office, now, self.offices.timezone))
            self._staffing[office.id] = made
        return made[2]

    def _store(self, batch: _Batch) -> None:
        for office_id in batch.events:
            with self.writing_for(batch.last[office_id]):
                self._states.put(office_id, batch.states[office_id])
        now = self.clock.now().timestamp()
        self._expire_results(batch, now)
        for key, (cause, result) in batch.results.items():
            with self.writing_for(cause):
                self.results[key] = {"office_id": cause.office_id, "at": now, "result": result}
            self._kept.setdefault(cause.office_id, deque()).append((now, key))
            self._kept_keys += 1

    def _current(self, office_id: str, batch: _Batch) -> OfficeQueue:
        return batch.states.get(office_id) or self.state(office_id)

    def _check_in(self, event: VisitorCheckedIn, batch: _Batch) -> None:
        office = self.offices.office(event.office_id)
        if office is None:
            log.warning("check-in for an unknown office", extra={"office_id": event.office_id})
            return
        state = self._current(office.id, batch)
        now = batch.now
        if events := check_in(state, office, event, now, self.offices.timezone):
            state = batch.record(state, events, event)
        visit = state.visit(event.visit_id)
        ticket = state.tickets.get(event.visit_id)
        if ticket is None:  # queued on an earlier day: nothing to say
            return
        ahead = ahead_of(state, office, visit, now) if visit else 0
        line_id = visit.line_id if visit else event.line_id
        waits = forecast(state, office, now, self.offices.timezone).visits
        wait = waits.get(event.visit_id, WaitEstimate(expected_s=0, low_s=0, high_s=0))
        batch.replies.append(
            (
                str(event.visit_id),
                {
                    "visit_id": str(event.visit_id),
                    "ticket": ticket,
                    "line_id": line_id,
                    "position": ahead + 1,
                    "estimated_wait_s": wait.expected_s,
                    **{k: v for k, v in wait_view(wait).items() if k != "expected_wait_s"},
                },
            )
        )

    def _expire_results(self, batch: _Batch, now: float) -> None:
        """Deletes the results older than `RESULTS_KEPT_S` (an hour) of each office that sent a command in
        the batch; the deletion is written to the changelog partition of that command, which is the
        office's."""
        if self._kept_keys != len(self.results):
            self._kept = _results_by_office(self.results)
            self._kept_keys = len(self.results)
        for office_id, command in batch.commanded.items():
            kept = self._kept.get(office_id)
            while kept and kept[0][0] <= now - RESULTS_KEPT_S:
                key = kept.popleft()[1]
                if key in self.results:
                    with self.writing_for(command):
                        del self.results[key]
                    self._kept_keys -= 1

    def _command(self, command: Command, batch: _Batch) -> None:
        batch.commanded[command.office_id] = command
        key = str(command.command_id)
        stored = batch.results[key][1] if key in batch.results else _result(self.results.get(key))
        if stored is not None:
            batch.replies.append((key, stored))
            return
        office = self.offices.office(command.office_id)
        if office is None:
            log.warning("command for an unknown office", extra={"office_id": command.office_id})
            return
        state = self._current(office.id, batch)
        decision = decide(state, office, command, batch.now, self.offices.timezone)
        result: dict[str, Any] = {"fingerprint": command.fingerprint}
        if decision.rejection is not None:
            result["rejected"] = as_dict(decision.rejection)
        else:
            if decision.events:
                batch.record(state, decision.events, command)
            result["events"] = [as_dict(event) for event in decision.events]
        batch.results[key] = (command, result)
        batch.replies.append((key, result))


def _log_days_closed(events: list[Event]) -> None:
    """What each day's end did, in counts only (emitted and acknowledged)."""
    for event in events:
        if isinstance(event, OfficeDayClosed):
            log.info(
                "office day closed",
                extra={
                    "office_id": event.office_id,
                    "business_date": event.business_date.isoformat(),
                    "closed": event.closed_visits,
                    "completed": event.completed_visits,
                    "carried_over": event.carried_over_visits,
                },
            )


def _result(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    if stored is None or "result" not in stored:
        return stored  # none, or stored before results had a time (kept, never expired)
    result: dict[str, Any] = stored["result"]
    return result


def _results_by_office(results: MutableMapping[str, dict[str, Any]]) -> dict[str, deque[tuple[float, str]]]:
    kept: dict[str, list[tuple[float, str]]] = {}
    for key, stored in results.items():
        if "at" in stored:
            kept.setdefault(stored["office_id"], []).append((stored["at"], key))
    return {office_id: deque(sorted(entries)) for office_id, entries in kept.items()}
