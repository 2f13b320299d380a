"""Who is called next: emergencies first (whatever their line), then whoever has waited past the office's
limit, then the lines by priority: appointments by their time, then first come, first served.

Each line says its priority and its order (`fifo` or `appointment_time`) in the office configuration.
A visitor waits from when they are due: their appointment time in a line ordered by appointment time
(coming early is no wait), else their check-in. One who has waited longer than the office's
`max_wait_minutes` is overdue, and the overdue go before every line but the emergencies', longest
waiting first: a line of low priority waits at most that long while later visitors of other lines are
called (given a room comes free). The order thus depends on the time; without one (`now=None`) it is
by priority alone.

Visitors on hold keep their place in the order but are never called (`callable_in_order`).
`CallQueue` keeps visitors in this order as time goes forward, for the wait estimator's play.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

from visitflow_offices import Line, Office, QueueOrder

from .state import OfficeQueue, OpenVisit

EMERGENCY, OVERDUE, IN_TURN = 0, 1, 2  # the tiers of the call order


def _due(line: Line | None, visit: OpenVisit) -> datetime:
    if line is not None and line.order is QueueOrder.APPOINTMENT_TIME and visit.appointment_at is not None:
        return visit.appointment_at
    return visit.checked_in_at


def due_at(office: Office, visit: OpenVisit) -> datetime:
    """From when a visitor waits: their appointment time in a line ordered by it, else their check-in."""
    return _due(office.line(visit.line_id), visit)


def _past_limit(office: Office, due: datetime, now: datetime) -> bool:
    return now - due > timedelta(minutes=office.policy.max_wait_minutes)


def is_overdue(office: Office, visit: OpenVisit, now: datetime) -> bool:
    """Has waited longer than the office's limit (an emergency is never overdue: it is first anyway)."""
    return not visit.emergency and _past_limit(office, due_at(office, visit), now)


Key = tuple[int, int, datetime, datetime, str]


@dataclass(frozen=True, slots=True)
class Place:
    """A visitor's place in the call order but for the time: their key while in turn (an emergency's,
    always), and, for all but emergencies, their key once overdue."""

    key: Key
    overdue: Key | None
    due: datetime

    def at(self, office: Office, now: datetime | None) -> Key:
        if self.overdue is not None and now is not None and _past_limit(office, self.due, now):
            return self.overdue
        return self.key


def place(office: Office, visit: OpenVisit) -> Place:
    line = office.line(visit.line_id)
    priority = line.priority if line else 99
    due = _due(line, visit)
    if visit.emergency:
        return Place((EMERGENCY, priority, due, visit.checked_in_at, visit.ticket), None, due)
    return Place(
        (IN_TURN, priority, due, visit.checked_in_at, visit.ticket),
        (OVERDUE, 0, due, visit.checked_in_at, visit.ticket),  # longest waiting first, any line
        due,
    )


def call_order_key(office: Office, visit: OpenVisit, now: datetime | None = None) -> Key:
    return place(office, visit).at(office, now)


# A visitor's place as plain numbers (`ranks`): the times in microseconds since the epoch, so that the
# call order is compared without datetimes (the order and its ties are those of `place`).
Rank = tuple[int, int, int, int, str]  # tier, priority, due, checked in, ticket
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def micros(at: datetime) -> int:
    """An instant in whole microseconds since the epoch (every datetime here is one)."""
    return (at - _EPOCH) // MICROSECOND


# Each waiting visitor's ranks, by the visit object: a visit is immutable and a change replaces it, so
# a visitor's ranks are worked out once while they wait, not once per forecast and per list (the
# estimator and the picture order everyone waiting at every change of the office). The entry holds the
# visit, so its id is no other visit's while it is cached.
_RANKS: dict[int, tuple[OpenVisit, Office, Rank, Rank | None, int]] = {}
RANKS_KEPT = 100_000


def ranks(office: Office, visit: OpenVisit) -> tuple[Rank, Rank | None, int]:
    """`place` in numbers: the key in turn, the key once overdue (None for an emergency), and the due
    time, in microseconds."""
    entry = _RANKS.get(id(visit))
    if entry is None or entry[0] is not visit or entry[1] is not office:
        if len(_RANKS) >= RANKS_KEPT:
            _RANKS.clear()
        entry = _RANKS[id(visit)] = (visit, office, *ranks_once(office, visit))
    return entry[2], entry[3], entry[4]


def ranks_once(office: Office, visit: OpenVisit) -> tuple[Rank, Rank | None, int]:
    """`ranks`, not kept: for a visitor the play stands in for, new at every forecast."""
    at = place(office, visit)
    due, checked_in = micros(at.due), micros(visit.checked_in_at)
    key = (at.key[0], at.key[1], due, checked_in, visit.ticket)
    return key, None if at.overdue is None else (OVERDUE, 0, due, checked_in, visit.ticket), due


def limit_micros(office: Office) -> int:
    """The office's `max_wait_minutes` in microseconds."""
    return office.policy.max_wait_minutes * 60_000_000


def rank_at(office: Office, visit: OpenVisit, now: int | None) -> Rank:
    """`call_order_key` in numbers, at `now` in microseconds (`micros`): the same order, the same ties."""
    key, overdue, due = ranks(office, visit)
    if overdue is not None and now is not None and now - due > limit_micros(office):
        return overdue
    return key


Entry = tuple[int, int, int, int, str, int]  # a rank and the order in which the visitor was added
T = TypeVar("T")


class CallQueue(Generic[T]):
    """Visitors in the call order as the play's time goes forward from `now`, never back: the first at
    each moment in log time, each visitor's place worked out once (`ranks`). One heap holds the ranks;
    a visitor who becomes overdue goes in again with their overdue rank, which sorts before their rank
    in turn (left behind, passed over once they are called). Of equal ranks, the one added first goes
    first. Each visitor has a number, the order in which they were added. A visitor is a waiting visit,
    or what the play stands in for one it expects (given with its ranks)."""

    def __init__(self, office: Office, now: datetime, visits: Sequence[OpenVisit] = ()) -> None:
        self._now_us = micros(now)
        self._limit_us = limit_micros(office)
        self._visits: list[T | OpenVisit | None] = []  # by number; None once called
        self._left = 0
        self._order: list[Entry] = []
        self._ageing: list[tuple[int, int, Entry]] = []  # not yet overdue: (due, number, overdue entry)
        for visit in visits:
            number = len(self._visits)
            self._visits.append(visit)
            key, overdue, due = ranks(office, visit)
            self._order.append((*key, number))
            if overdue is not None:
                self._ageing.append((due, number, (*overdue, number)))
        self._left = len(self._visits)
        heapq.heapify(self._order)
        heapq.heapify(self._ageing)

    def __len__(self) -> int:
        return self._left

    def add(self, item: T | OpenVisit, key: Rank, overdue: Rank | None, due: int) -> int:
        """Adds `item` with its ranks (`ranks`); returns its number."""
        number = len(self._visits)
        self._visits.append(item)
        self._left += 1
        heapq.heappush(self._order, (*key, number))
        if overdue is not None:
            heapq.heappush(self._ageing, (due, number, (*overdue, number)))
        return number

    def pop_first(self, t: float) -> tuple[int, T | OpenVisit]:
        """The first in the call order `t` seconds after `now` (no earlier than the last call's), taken
        out, with their number."""
        ageing = self._ageing
        # the time in whole microseconds, as `now + timedelta(seconds=t)` has it, made only when a
        # visitor may have become overdue (the float sum is within a microsecond of it)
        if ageing and self._now_us + t * 1e6 - ageing[0][0] > self._limit_us - 2:
            at = self._now_us + timedelta(seconds=t) // MICROSECOND
            while ageing and at - ageing[0][0] > self._limit_us:
                _, number, overdue = heapq.heappop(ageing)
                if self._visits[number] is not None:
                    heapq.heappush(self._order, overdue)
        visits = self._visits
        while True:
            number = heapq.heappop(self._order)[5]
            visit = visits[number]
            if visit is not None:
                visits[number] = None
                self._left -= 1
                return number, visit


def waiting_in_order(
    state: OfficeQueue,
    office: Office,
    line_id: str | None = None,
    counsellor_id: str | None = None,
    now: datetime | None = None,
) -> list[OpenVisit]:
    """Everyone waiting, on hold too, in the order they are called at `now`."""
    candidates = [
        visit
        for visit in state.waiting()
        if (line_id is None or visit.line_id == line_id)
        and (counsellor_id is None or visit.counsellor_id in (None, counsellor_id))
    ]
    at = None if now is None else micros(now)
    if counsellor_id is not None:  # a counsellor's own appointments before anyone else's
        return sorted(candidates, key=lambda v: (v.counsellor_id != counsellor_id, rank_at(office, v, at)))
    return sorted(candidates, key=lambda v: rank_at(office, v, at))


def callable_in_order(
    state: OfficeQueue,
    office: Office,
    line_id: str | None = None,
    counsellor_id: str | None = None,
    now: datetime | None = None,
) -> list[OpenVisit]:
    """Those of `waiting_in_order` who can be called: everyone but the visitors on hold."""
    return [v for v in waiting_in_order(state, office, line_id, counsellor_id, now) if not v.held]
