"""What no wait estimator can beat on a recorded day: each quote's rest of the day played again many
times, by the simulated hosts' own rules (`visitflow_simulator.hosts.next_actions`) and the queue's call
order (`ordering.CallQueue`), given everything that happened after the quote (every later check-in,
every visitor who never came when called, every room closed or opened) but how long each conversation
would take, which is drawn again each time as the simulator draws it (`hosts.conversation`; one still
going at the quote at least as long as it has gone). A visitor's first call in each replay gives the
spread of waits any estimator faced, even one told the rest of the day: the least mean absolute error
any figure can have (that of the replays' median) and the largest share any figure can have within
±5 minutes. Played with the day's own conversations (`own`), a replay gives every visitor's actual
wait again, which is how the replay is checked against the real system.

    .venv/bin/python -m bench.wait_estimates --rescore run.json --bound 300
"""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from visitflow_events import (
    Event,
    RoomClosed,
    RoomOpened,
    VisitorCalled,
    VisitorNoShow,
    VisitorQueued,
    VisitStage,
)
from visitflow_offices import Office
from visitflow_queue.domain.estimates import rooms_in_service
from visitflow_queue.domain.ordering import CallQueue, Rank, ranks_once
from visitflow_queue.domain.state import OfficeQueue, OpenVisit
from visitflow_simulator.hosts import Action, Conversation, Talk, conversation, next_actions

WITHIN_MIN = 5.0
HORIZON = timedelta(hours=8)


@dataclass(frozen=True)
class Day:
    """What happened after each moment of a recorded office day, read from its events."""

    queued: list[VisitorQueued]  # in the order queued
    first_calls: dict[UUID, datetime]
    no_shows: frozenset[str]  # visit ids, as the hosts' snapshots have them
    room_changes: list[tuple[datetime, str, bool]]  # when, which room, closed (else opened)

    @classmethod
    def read(cls, events: Sequence[Event]) -> Day:
        queued: list[VisitorQueued] = []
        first_calls: dict[UUID, datetime] = {}
        no_shows: set[str] = set()
        changes: list[tuple[datetime, str, bool]] = []
        for event in events:
            if isinstance(event, VisitorQueued):
                queued.append(event)
            elif isinstance(event, VisitorCalled):
                first_calls.setdefault(event.visit_id, event.occurred_at)
            elif isinstance(event, VisitorNoShow):
                no_shows.add(str(event.visit_id))
            elif isinstance(event, RoomClosed | RoomOpened):
                changes.append((event.occurred_at, event.room_id, isinstance(event, RoomClosed)))
        return cls(queued, first_calls, frozenset(no_shows), changes)

    def after(self, now: datetime, office: Office) -> After:
        """What happened after `now`, as a replay from then takes it."""
        queued = sorted((q for q in self.queued if q.occurred_at > now), key=lambda q: q.checked_in_at)
        later = [
            OpenVisit(
                visit_id=q.visit_id,
                ticket=q.ticket,
                line_id=q.line_id,
                kind=q.kind,
                reason=q.reason,
                checked_in_at=q.checked_in_at,
                appointment_at=q.appointment_at,
                counsellor_id=q.counsellor_id,
                needs=q.needs,
            )
            for q in queued
        ]
        return After(
            arrivals=[(visit, ranks_once(office, visit)) for visit in later],
            room_changes=[change for change in self.room_changes if change[0] > now],
            no_shows=set(self.no_shows),
        )


@dataclass(frozen=True)
class After:
    """The rest of a day from a quote, worked out once for all its replays: the visitors queued
    later (each waiting from their check-in, in that order, with their place in the call order), the
    rooms closed and opened, and who never comes when called."""

    arrivals: list[tuple[OpenVisit, tuple[Rank, Rank | None, int]]]
    room_changes: list[tuple[datetime, str, bool]]
    no_shows: set[str]


def _look(stamp: datetime, step: timedelta) -> datetime:
    """The hosts' look a stamp followed (the queue stamps a host's action a moment after the look)."""
    midnight = stamp.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + ((stamp - midnight) // step) * step


def _entry(visit: OpenVisit, calls: int) -> dict[str, Any]:
    return {
        "visit_id": str(visit.visit_id),
        "ticket": visit.ticket,
        "reason": visit.reason.value,
        "calls": calls,
    }


@dataclass
class _Replay:
    """One replay's office: the call order, the rooms' occupants, and the hosts' reckoning."""

    queue: CallQueue[OpenVisit]
    closed: set[str]
    rooms: dict[str, str | None] = field(default_factory=dict)  # room: its occupant's visit id
    called: dict[str, dict[str, Any]] = field(default_factory=dict)
    talking: dict[str, dict[str, Any]] = field(default_factory=dict)
    since: dict[str, datetime] = field(default_factory=dict)

    @classmethod
    def of(cls, state: OfficeQueue, office: Office, now: datetime, step: timedelta) -> _Replay:
        """The office as the hosts see it at `now`: those waiting (not on hold) in the call order, and
        the calling rooms with the visitor each holds, reckoned from the look that called or started them."""
        calling = rooms_in_service(state.model_copy(update={"closed_rooms": frozenset()}), office)
        waiting = [visit for visit in state.waiting() if not visit.held]
        replay = cls(CallQueue(office, now, waiting), set(state.closed_rooms) & set(calling))
        for room_id in calling:
            occupant = state.occupant(room_id)
            replay.rooms[room_id] = None if occupant is None else str(occupant.visit_id)
            if occupant is None:
                continue
            visit_id = str(occupant.visit_id)
            if occupant.stage is VisitStage.CALLED and occupant.called_at is not None:
                replay.called[visit_id] = _entry(occupant, occupant.calls)
                replay.since[visit_id] = _look(occupant.called_at, step)
            elif occupant.started_at is not None:
                replay.talking[visit_id] = _entry(occupant, occupant.calls)
                replay.since[visit_id] = _look(occupant.started_at, step)
        return replay

    def snapshot(self) -> dict[str, Any]:
        """What the queue's live list would show the hosts (the parts `hosts.next_actions` reads)."""
        return {
            "called": list(self.called.values()),
            "in_service": list(self.talking.values()),
            "waiting": [None] * len(self.queue),
            "rooms": [
                {
                    "room_id": room_id,
                    "kind": "conversation",
                    "in_service": room_id not in self.closed,
                    **({} if occupant is None else {"visit_id": occupant}),
                }
                for room_id, occupant in self.rooms.items()
            ],
        }

    def act(self, action: Action, look: datetime, t: float) -> OpenVisit | None:
        """A host's action at `look`, `t` seconds after the quote, as the queue takes it; the visitor
        called, for a call."""
        verb = action.path.rsplit("/", 1)[-1]
        if verb == "call-next":
            _, visit = self.queue.pop_first(t)
            visit_id = str(visit.visit_id)
            self.rooms[(action.body or {})["room_id"]] = visit_id
            self.called[visit_id] = _entry(visit, 1)
            self.since[visit_id] = look
            return visit
        visit_id = action.path.split("/")[1]
        if verb == "start":
            self.talking[visit_id] = self.called.pop(visit_id)
            self.since[visit_id] = look
        elif verb == "recall":
            self.called[visit_id]["calls"] += 1
            self.since[visit_id] = look
        else:  # complete, no-show: the room is free at the next look
            self.called.pop(visit_id, None)
            self.talking.pop(visit_id, None)
            self.rooms = {room: (None if held == visit_id else held) for room, held in self.rooms.items()}
        return None


def first_call(
    state: OfficeQueue,
    office: Office,
    now: datetime,
    after: After,
    target: UUID,
    talk: Talk,
    step: timedelta = timedelta(minutes=1),
) -> datetime | None:
    """When `target` is first called, the office played from `state` at `now` by the hosts' rules,
    with what happened `after`, looking every `step`, each conversation as long as `talk` says."""
    replay = _Replay.of(state, office, now, step)
    later, changes = after.arrivals, after.room_changes
    arrived = changed = 0
    look = _look(now, step) + step
    calls = office.policy.no_show_after_calls
    while look < now + HORIZON:
        while changed < len(changes) and changes[changed][0] <= look:
            _, room_id, closed = changes[changed]
            changed += 1
            (replay.closed.add if closed else replay.closed.discard)(room_id)
        while arrived < len(later) and later[arrived][0].checked_in_at <= look:
            visit, ranks = later[arrived]
            replay.queue.add(visit, *ranks)
            arrived += 1
        snapshot = replay.snapshot()
        for action in next_actions(snapshot, look, after.no_shows, "", calls, replay.since, talk=talk):
            called = replay.act(action, look, (look - now).total_seconds())
            if called is not None and called.visit_id == target:
                return look
        look += step
    return None


def drawn(number: int, elapsed: dict[str, float]) -> Talk:
    """Conversations drawn afresh for replay `number`, as the simulator draws them; one that had gone
    on `elapsed[visit_id]` minutes at the quote drawn again until at least that long."""
    lengths: dict[str, Conversation] = {}

    def talk(visit: dict[str, Any]) -> Conversation:
        visit_id = visit["visit_id"]
        if visit_id not in lengths:
            for attempt in range(100):
                held = conversation(f"bound:{number}:{attempt}", visit["ticket"], visit["reason"])
                if held.minutes >= elapsed.get(visit_id, 0.0):
                    break
            lengths[visit_id] = held
        return lengths[visit_id]

    return talk


@dataclass(frozen=True)
class Spread:
    """The waits a visitor could have had, in minutes, from the replays, and what they actually had."""

    line_id: str
    actual_min: float
    waits: list[float]  # sorted

    @property
    def median(self) -> float:
        return self.waits[len(self.waits) // 2]

    @property
    def least_error(self) -> float:
        """The least mean absolute error a figure can have: the replays' median's."""
        return statistics.fmean(abs(wait - self.median) for wait in self.waits)

    @property
    def best_within(self) -> float:
        """The largest share of the replays any one figure has within ±5 minutes (a window of ten
        minutes, at its best starting at one of the waits)."""
        waits = self.waits
        return max(bisect_right(waits, w + 2 * WITHIN_MIN) - i for i, w in enumerate(waits)) / len(waits)


def _called(
    states: Sequence[tuple[OfficeQueue, VisitorQueued]], office: Office, day: Day
) -> Iterator[tuple[OfficeQueue, VisitorQueued, After, float]]:
    """The quotes (the state right after each visitor was queued) of those called, with what happened
    after and the wait they had, in minutes."""
    for state, queued in states:
        called = day.first_calls.get(queued.visit_id)
        if called is not None:
            after = day.after(queued.occurred_at, office)
            yield state, queued, after, (called - queued.checked_in_at).total_seconds() / 60


def _wait(
    state: OfficeQueue, office: Office, after: After, queued: VisitorQueued, talk: Talk, step: timedelta
) -> float:
    """A visitor's wait in one replay from their quote, in minutes (`HORIZON` if never called)."""
    call = first_call(state, office, queued.occurred_at, after, queued.visit_id, talk, step)
    end = call if call is not None else queued.occurred_at + HORIZON
    return (end - queued.checked_in_at).total_seconds() / 60


def spreads(
    states: Sequence[tuple[OfficeQueue, VisitorQueued]],
    office: Office,
    day: Day,
    replays: int,
    step: timedelta = timedelta(minutes=1),
) -> list[Spread]:
    """Each called visitor's waits over `replays` replays from their quote."""
    result = []
    for state, queued, after, actual in _called(states, office, day):
        elapsed = {
            str(v.visit_id): (queued.occurred_at - _look(v.started_at, step)).total_seconds() / 60
            for v in state.occupants().values()
            if v.started_at is not None
        }
        talks = [drawn(number, elapsed) for number in range(replays)]
        waits = sorted(_wait(state, office, after, queued, talk, step) for talk in talks)
        result.append(Spread(queued.line_id, actual, waits))
    return result


def own_replay_error(
    states: Sequence[tuple[OfficeQueue, VisitorQueued]],
    office: Office,
    day: Day,
    seed: str,
    step: timedelta = timedelta(minutes=1),
) -> float:
    """The largest difference, in minutes, between a visitor's actual wait and the replay's from their
    quote with the day's own conversations (`seed`, the hosts'): how faithful a replay is."""

    def own(visit: dict[str, Any]) -> Conversation:
        return conversation(seed, visit["ticket"], visit["reason"])

    differences = (
        abs(_wait(state, office, after, queued, own, step) - actual)
        for state, queued, after, actual in _called(states, office, day)
    )
    return max(differences, default=0.0)


def summary(found: list[Spread]) -> dict[str, Any]:
    """Over a line's visitors: the least mean absolute error and the best share within ±5 minutes any
    estimator could expect, and the mean absolute error the replays' median had on the day itself."""
    return {
        "count": len(found),
        "least_mean_abs_error_min": round(statistics.fmean(s.least_error for s in found), 1),
        "best_within_5_min_share": round(statistics.fmean(s.best_within for s in found), 2),
        "median_figure_mean_abs_error_min": round(
            statistics.fmean(abs(s.median - s.actual_min) for s in found), 1
        ),
    }
