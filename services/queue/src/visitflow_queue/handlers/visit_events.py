"""The queue worker's use case: applies visit events, host commands and bookings to the offices that own
them: decide, emit, remember, project, reply.

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
from datetime import date, datetime, timedelta
from itertools import takewhile
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from visitflow_events import (
    AppointmentBooked,
    AppointmentEvent,
    AppointmentMissed,
    CheckAppointments,
    CloseDay,
    Command,
    Event,
    LineWait,
    Message,
    OfficeDayClosed,
    OfficeWaits,
    StaffingOption,
    VisitorCalled,
    VisitorCheckedIn,
    VisitorQueued,
    as_dict,
    new_envelope,
    office_day_correlation,
)
from visitflow_offices import Clock, Office, OfficeDirectory, business_date, closing_time
from visitflow_platform.ids import stable_id
from visitflow_platform.tables import ParsedTable

from ..domain import OfficeQueue, VisitViews, check_in, decide, fold, snapshot
from ..domain.appointments import DayBook, arrive, book, day_key, missed
from ..domain.appointments import time_changes as appointments_moved
from ..domain.decide import DAY_CLOSES_AFTER, PRODUCER
from ..domain.estimates import (
    Forecast,
    Wait,
    ahead_of,
    forecast,
    line_waits,
    serving_rooms,
    staffing,
    wait_view,
    waits_estimated,
)
from ..domain.readmodel import time_changes
from .ports import Outbox

log = logging.getLogger(__name__)
RESULTS_KEPT_S = 3_600.0
DAYS_KEPT = timedelta(days=1)  # a day's bookings are kept until the day after it is over
STAFFING_EVERY = timedelta(minutes=5)
# The offices the clock's work (the staffing hints, the pictures the time changed) takes between two
# looks at the event loop: over every office at once it held the batches, and the commands someone
# waits for, for all of it (a staffing hint is a few plays of the office; 250 offices, a second or more).
TIMER_SLICE = 10


@dataclass
class _Batch:
    """What a batch decided, not yet emitted or stored."""

    now: datetime  # one time for the whole batch: its decisions, answers and pictures agree
    zone: ZoneInfo  # the offices'
    states: dict[str, OfficeQueue] = field(default_factory=dict)
    events: dict[str, list[Event]] = field(default_factory=dict)
    results: dict[str, tuple[Command, dict[str, Any]]] = field(default_factory=dict)
    replies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    last: dict[str, Message] = field(default_factory=dict)  # each office's last message that changed it
    commanded: dict[str, Command] = field(default_factory=dict)  # each office's last command
    # each office's check-in answers, by visit, their estimate filled in once the batch is decided
    quotes: dict[str, list[tuple[UUID, dict[str, Any]]]] = field(default_factory=dict)
    days: dict[str, tuple[DayBook, Message]] = field(default_factory=dict)  # changed day-books, and why
    forgotten: dict[str, Message] = field(default_factory=dict)  # day-books to delete, and why

    def record(self, state: OfficeQueue, events: list[Event], cause: Message) -> OfficeQueue:
        state = fold(state, events, self.zone)
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
    # each office's appointments of a day, keyed `office:date` (`appointments.day_key`)
    days: MutableMapping[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # an office's state parsed once per change, not once per message, and dumped by its changes
        self._states = ParsedTable(
            self.states, OfficeQueue, lambda office_id: OfficeQueue(office_id=office_id)
        )
        self._views: dict[str, VisitViews] = {}  # per office: its visits' views in the last snapshot
        self._unpushed: set[str] = set()  # offices whose last picture did not reach Redis
        # each office's last `WaitsEstimated`: its lines' estimates and its staffing hint
        self._published: dict[str, tuple[tuple[LineWait, ...], tuple[StaffingOption, ...]]] = {}
        # each office's staffing hint, when it was made and for how many rooms (made again when older
        # than `STAFFING_EVERY` or the rooms in service changed: it looks an hour ahead, and costs)
        self._staffing: dict[str, tuple[datetime, int, tuple[StaffingOption, ...]]] = {}
        self._pictured: dict[str, datetime] = {}  # when each office's last picture was made
        self._batch = asyncio.Lock()  # a refresh between a batch's push and its store would push the past
        # each office's stored results, oldest first: (stored at, command id); built from the table
        # when first needed and again when the table holds other keys (a rebalance moved partitions)
        self._kept: dict[str, deque[tuple[float, str]]] = {}
        self._kept_keys = -1
        self._days = ParsedTable(self.days, DayBook, _empty_day)

    def state(self, office_id: str) -> OfficeQueue:
        return self._states.get(office_id)

    def offices_held(self) -> list[str]:
        """The offices whose queue or appointments this worker holds."""
        booked = {key.partition(":")[0] for key in self._days.stored()}
        return sorted(booked.union(self.states.keys()))

    def day(self, office_id: str, day: date) -> DayBook:
        return self._days.get(day_key(office_id, day))

    async def handle(self, message: Message) -> None:
        await self.handle_batch([message])

    async def handle_batch(self, messages: Sequence[Message]) -> None:
        batch = _Batch(now=self.clock.now(), zone=self.offices.timezone)
        for message in messages:
            if isinstance(message, VisitorCheckedIn):
                self._check_in(message, batch)
            elif isinstance(message, CheckAppointments):
                self._check_appointments(message, batch)
            elif isinstance(message, AppointmentEvent) and not isinstance(message, AppointmentMissed):
                self._book(message, batch)  # a missed one is the queue's own, already in its day
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
        if quiet := sorted({key.partition(":")[0] for key in batch.days} - set(batch.events)):
            self._unpushed.update(quiet)  # bookings changed, nothing else: their picture afresh
        if self._unpushed:
            await self._push_again()

    async def reproject(self) -> int:
        """Every held office's picture again, after Redis lost them; returns how many."""
        views = self.snapshots(self.offices_held())
        await self.outbox.refresh(views)
        return len(views)

    async def rollover(self, in_recovery: bool = False) -> list[CloseDay | CheckAppointments]:
        """What the clock calls for: pushes again the pictures the time changed (the closing notice, the
        waiting order; not while the tables are being restored, and Redis away does not stop the rest),
        then the commands that ask each office's one writer to close its day after closing time and to
        check its appointments."""
        if not in_recovery:
            try:
                await self.refresh_with_time()
            except Exception:  # Redis away: the day is still closed on time
                log.warning("could not push the pictures the time changed", exc_info=True)
        now = self.clock.now()
        return [*self.days_to_close(now), *self.appointments_to_check(now)]

    async def refresh_with_time(self) -> int:
        """Pushes again the picture of each office that the time alone changed since it was made (the
        closing notice began, a visitor waited past the office's limit and moved up, a booking came into
        the next hour or is late); returns how many. Makes again the staffing hints that are due; the
        next batch of each office publishes its hint (a picture pushed for it alone would also move the
        estimates the visitors were just told). It goes `TIMER_SLICE` offices at a time, and lets the
        batches in between: only each slice's push holds them off (`_batch`)."""
        now = self.clock.now()
        today = business_date(now, self.offices.timezone)
        await self._remake_staffing_hints(now)
        pictured = list(self._pictured.items())
        changed: list[str] = []
        for start in range(0, len(pictured), TIMER_SLICE):
            if start:
                await asyncio.sleep(0)  # the batches meanwhile: someone waits for their commands
            changed += [
                office_id
                for office_id, made in pictured[start : start + TIMER_SLICE]
                if (office := self.offices.office(office_id)) is not None
                and (
                    time_changes(self.state(office_id), office, made, now, self.offices.timezone)
                    or appointments_moved(self.day(office_id, today), made, now)
                )
            ]
        pushed = 0
        for start in range(0, len(changed), TIMER_SLICE):
            if start:
                await asyncio.sleep(0)
            async with self._batch:
                # an office a batch has pictured since is as the time shows it
                due = [o for o in changed[start : start + TIMER_SLICE] if self._pictured.get(o, now) <= now]
                try:
                    await self.outbox.refresh(self.snapshots(due))
                except BaseException:
                    self._unpushed.update(changed[start:])  # the next batch pushes them
                    raise
                pushed += len(due)
        return pushed

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
    ) -> tuple[
        list[tuple[str, list[Event], dict[str, Any]]],
        dict[str, tuple[tuple[LineWait, ...], tuple[StaffingOption, ...]]],
    ]:
        """Each changed office's events and its new snapshot; when its lines' estimates or its staffing
        hint changed, its events say so last (`_with_waits`), so the display and the dashboard show what
        the tablet does (and what was so published, to remember once emitted)."""
        changes, published = [], {}
        estimates_of = self._quote(batch)
        for office_id, events in batch.events.items():
            office = self.offices.office(office_id)
            assert office is not None  # only known offices decide anything
            state = batch.states[office_id]
            estimates = estimates_of[office_id]
            lines = line_waits(state, office, estimates)
            hint = self._staffing_hint(state, office, batch.now, self._today(office_id, batch.now, batch))
            view = self._snapshot(office_id, state, estimates, batch.now, batch, hint)
            assert view is not None
            places = _places(view)
            events = [_quoted(event, estimates, places) for event in events]
            for visit_id, reply in batch.quotes.get(office_id, []):
                reply["position"] = places.get(str(visit_id), 1)
            if state.business_date is not None and (lines, hint) != self._published.get(office_id):
                cause = batch.last[office_id]
                events = _with_waits(events, state.business_date, lines, hint, cause, batch.now)
                published[office_id] = (lines, hint)
            changes.append((office_id, events, view))
        return changes, published

    def _quote(self, batch: _Batch) -> dict[str, Forecast]:
        """The estimates of each office the batch changed or checked in to, made once, at its end; and
        the check-in answers filled from them: the figure the tablet shows after the batch (one forecast
        per office and batch, not one per check-in; their places, and the batch's `VisitorQueued`, are
        filled from the new picture, `_changes`)."""
        estimates_of = {}
        for office_id in {*batch.events, *batch.quotes}:
            office = self.offices.office(office_id)
            assert office is not None  # only known offices decide or answer anything
            state = self._current(office_id, batch)
            today = self._today(office_id, batch.now, batch)
            estimates = forecast(state, office, batch.now, self.offices.timezone, today)
            estimates_of[office_id] = estimates
            for visit_id, reply in batch.quotes.get(office_id, []):
                visit = state.visit(visit_id)
                wait = estimates.visits.get(visit_id, _UNKNOWN)
                if office_id not in batch.events:  # no new picture to read the place from
                    reply["position"] = (ahead_of(state, office, visit, batch.now) if visit else 0) + 1
                reply["estimated_wait_s"] = wait.expected_s
                reply.update({k: v for k, v in wait_view(wait).items() if k != "expected_wait_s"})
        return estimates_of

    def _snapshot(
        self,
        office_id: str,
        state: OfficeQueue,
        estimates: Forecast | None = None,
        now: datetime | None = None,
        batch: _Batch | None = None,
        hint: tuple[StaffingOption, ...] | None = None,
    ) -> dict[str, Any] | None:
        office = self.offices.office(office_id)
        if office is None:
            return None
        now = now or self.clock.now()
        self._pictured[office_id] = now
        views = self._views.setdefault(office_id, VisitViews())
        today = self._today(office_id, now, batch)
        if hint is None:
            hint = self._staffing_hint(state, office, now, today)
        return snapshot(state, office, views, now, self.offices.timezone, estimates, hint, today)

    def _today(self, office_id: str, now: datetime, batch: _Batch | None = None) -> DayBook:
        """The office's bookings of the business day at `now`, as the batch left them if it has one."""
        day = business_date(now, self.offices.timezone)
        return self._current_day(office_id, day, batch) if batch else self.day(office_id, day)

    def _staffing_hint(
        self, state: OfficeQueue, office: Office, now: datetime, today: DayBook
    ) -> tuple[StaffingOption, ...]:
        """The office's staffing hint as last made; made now only when it has none or its rooms in
        service changed (a batch of check-ins does not pay for it: `_remake_staffing_hints`)."""
        made = self._staffing.get(office.id)
        rooms = serving_rooms(state, office)
        if made is None or made[1] != rooms:
            made = (now, rooms, staffing(state, office, now, self.offices.timezone, today))
            self._staffing[office.id] = made
        return made[2]

    async def _remake_staffing_hints(self, now: datetime) -> None:
        """Makes again each office's staffing hint older than `STAFFING_EVERY` (it looks an hour ahead,
        and costs a play of the office per option), `TIMER_SLICE` offices at a time."""
        for number, (office_id, (made_at, _, _)) in enumerate(list(self._staffing.items())):
            if number and number % TIMER_SLICE == 0:
                await asyncio.sleep(0)
            office = self.offices.office(office_id)
            if office is None or timedelta(0) <= now - made_at < STAFFING_EVERY:
                continue
            state = self.state(office_id)
            hint = staffing(state, office, now, self.offices.timezone, self._today(office_id, now))
            made = (now, serving_rooms(state, office), hint)
            self._staffing[office_id] = made

    def _store(self, batch: _Batch) -> None:
        for office_id in batch.events:
            with self.writing_for(batch.last[office_id]):
                self._states.put(office_id, batch.states[office_id])
        for key, (day, cause) in batch.days.items():
            with self.writing_for(cause):
                self._days.put(key, day)
        for key, cause in batch.forgotten.items():
            if key in self.days:
                with self.writing_for(cause):
                    del self.days[key]
        now = self.clock.now().timestamp()
        self._expire_results(batch, now)
        for key, (cause, result) in batch.results.items():
            with self.writing_for(cause):
                self.results[key] = {"office_id": cause.office_id, "at": now, "result": result}
            self._kept.setdefault(cause.office_id, deque()).append((now, key))
            self._kept_keys += 1

    def _current(self, office_id: str, batch: _Batch) -> OfficeQueue:
        return batch.states.get(office_id) or self.state(office_id)

    def _current_day(self, office_id: str, day: date, batch: _Batch) -> DayBook:
        key = day_key(office_id, day)
        return batch.days[key][0] if key in batch.days else self.day(office_id, day)

    def _book(self, event: AppointmentEvent, batch: _Batch) -> None:
        """A booking of the feed into its day (a moved one out of the day it was on, if another)."""
        if self.offices.office(event.office_id) is None:
            log.warning("booking for an unknown office", extra={"office_id": event.office_id})
            return
        target = day_key(event.office_id, event.business_date)
        held = self._days.stored() if not isinstance(event, AppointmentBooked) else []  # moved: from where?
        for key in dict.fromkeys([*batch.days, *held]):
            if key != target and key.startswith(f"{event.office_id}:"):
                other = self._current_day(event.office_id, date.fromisoformat(key.partition(":")[2]), batch)
                if event.booking_id in other.bookings:
                    batch.days[key] = (other.with_booking(None, event.booking_id), event)
        day = self._current_day(event.office_id, event.business_date, batch)
        batch.days[target] = (book(day, event), event)

    def stale_days(self, office_id: str, today: date) -> list[str]:
        """The office's days of bookings that are over (before yesterday): forgotten at its next check."""
        return [
            key
            for key in self._days.stored()
            if key.startswith(f"{office_id}:")
            and date.fromisoformat(key.partition(":")[2]) < today - DAYS_KEPT
        ]

    def days_to_close(self, now: datetime) -> list[CloseDay]:
        """A `CloseDay` for each held office whose day is over: after closing time, or a business day
        that has passed. Its id derives from the day and its tickets, so asking again is the same
        command (and a day reopened by a late emergency closes again)."""
        due_days = []
        for office_id in list(self.states.keys()):
            office = self.offices.office(office_id)
            state = self.state(office_id)
            if office is None or state.business_date is None or state.day_closed:
                continue
            closes = closing_time(office, state.business_date, self.offices.timezone)
            due = state.business_date < business_date(now, self.offices.timezone) or (
                closes is not None and now >= closes + DAY_CLOSES_AFTER
            )
            if due:
                due_days.append(
                    CloseDay(
                        **new_envelope(
                            command_id=stable_id(
                                "close", office_id, state.business_date.isoformat(), str(len(state.tickets))
                            ),
                            occurred_at=now,
                            office_id=office_id,
                            producer="queue-rollover",
                            correlation_id=office_day_correlation(office_id, state.business_date),
                        ),
                        business_date=state.business_date,
                    )
                )
        return due_days

    def appointments_to_check(self, now: datetime) -> list[CheckAppointments]:
        """A `CheckAppointments` for each held office with an appointment past its grace period and
        nobody checked in, or with days of bookings that are over: the office's one writer then decides
        it missed, or forgets them. The command's id is the minute's: asked again within it, the command
        is the same."""
        checks = []
        for office_id in self.offices_held():
            office = self.offices.office(office_id)
            if office is None:
                continue
            today = business_date(now, self.offices.timezone)
            due = missed(self.day(office_id, today), office, now, "queue-timer")
            if not due and not self.stale_days(office_id, today):
                continue
            checks.append(
                CheckAppointments(
                    **new_envelope(
                        command_id=stable_id("appointments", office_id, f"{now:%Y-%m-%dT%H:%M}"),
                        occurred_at=now,
                        office_id=office_id,
                        producer="queue-timer",
                        correlation_id=office_day_correlation(office_id, today),
                    ),
                    business_date=today,
                )
            )
        return checks

    def _check_appointments(self, command: CheckAppointments, batch: _Batch) -> None:
        office = self.offices.office(command.office_id)
        if office is None:
            return
        batch.forgotten.update((key, command) for key in self.stale_days(office.id, command.business_date))
        day = self._current_day(office.id, command.business_date, batch)
        if events := missed(day, office, self.clock.now(), PRODUCER):
            for event in events:
                day = book(day, event)
            batch.days[day_key(office.id, command.business_date)] = (day, command)
            batch.record(self._current(office.id, batch), list(events), command)

    def _check_in(self, event: VisitorCheckedIn, batch: _Batch) -> None:
        office = self.offices.office(event.office_id)
        if office is None:
            log.warning("check-in for an unknown office", extra={"office_id": event.office_id})
            return
        state = self._current(office.id, batch)
        now = batch.now
        if events := check_in(state, office, event, now, self.offices.timezone, estimate=False):
            state = batch.record(state, events, event)
        day = self._current_day(office.id, event.business_date, batch)
        if (arrived := arrive(day, event)) is not day:
            batch.days[day_key(office.id, event.business_date)] = (arrived, event)
        visit = state.visit(event.visit_id)
        ticket = state.tickets.get(event.visit_id)
        if ticket is None:  # queued on an earlier day: nothing to say
            return
        line_id = visit.line_id if visit else event.line_id
        reply = {"visit_id": str(event.visit_id), "ticket": ticket, "line_id": line_id}
        batch.replies.append((str(event.visit_id), reply))
        batch.quotes.setdefault(office.id, []).append((event.visit_id, reply))

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


def _with_waits(
    events: list[Event],
    day: date,
    lines: tuple[LineWait, ...],
    hint: tuple[StaffingOption, ...],
    cause: Message,
    now: datetime,
) -> list[Event]:
    """An office's events of a batch with its new estimates: on the last one when it queued a visitor (a
    check-in's batch: one record fewer on the visits topic for every reader), else as a `WaitsEstimated`
    after them."""
    if events and isinstance(last := events[-1], VisitorQueued):
        return [*events[:-1], last.model_copy(update={"waits": OfficeWaits(lines=lines, staffing=hint)})]
    return [*events, waits_estimated(day, lines, hint, cause, now)]


_UNKNOWN = Wait(0, 0, 0)  # a visitor the forecast does not have (no longer waiting)


def _places(view: dict[str, Any]) -> dict[str, int]:
    """Each waiting visitor's place in the line, by visit id, from an office's picture, which orders the
    line anyway (asking each visitor's place of the estimator would order it again per visitor)."""
    return {entry["visit_id"]: entry["position"] for entry in view["waiting"]}


def _quoted(event: Event, estimates: Forecast, places: dict[str, int]) -> Event:
    """A `VisitorQueued` of the batch with the wait its visitor is told and their place (none and first
    if called in the batch); a first call with the waits of those it names next, as far as they still
    wait after the batch (notify tells them it is nearly their turn, and how long it should be)."""
    if isinstance(event, VisitorCalled):
        if event.call_number > 1 or not event.up_next:
            return event
        waits = takewhile(_known, map(estimates.visits.get, event.up_next))
        return event.model_copy(update={"up_next_waits": tuple(wait.event() for wait in waits if wait)})
    if not isinstance(event, VisitorQueued):
        return event
    wait = estimates.visits.get(event.visit_id)
    return event.model_copy(
        update={
            "estimated_wait_s": wait.expected_s if wait else 0,
            "estimated_low_s": wait.low_s if wait else None,
            "estimated_high_s": wait.high_s if wait else None,
            "position": places.get(str(event.visit_id), 1),
        }
    )


def _known(wait: Wait | None) -> bool:
    return wait is not None


def _empty_day(key: str) -> DayBook:
    office_id, _, day = key.partition(":")
    return DayBook(office_id=office_id, business_date=date.fromisoformat(day))


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
