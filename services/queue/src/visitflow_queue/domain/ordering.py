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
from dataclasses import dataclass
from datetime import datetime, timedelta

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


class CallQueue:
    """Visitors in the call order as time goes forward, never back: the first at each moment in log
    time, each visitor's place worked out once. One heap holds the keys; a visitor who becomes overdue
    goes in again with their overdue key, which sorts before their key in turn (left behind, passed
    over once they are called). Of equal keys, the one added first goes first."""

    def __init__(self, office: Office) -> None:
        self._office = office
        self._order: list[tuple[Key, int]] = []
        self._ageing: list[tuple[datetime, int, Key]] = []  # not yet overdue, by when they are due
        self._waiting: dict[int, OpenVisit] = {}  # not yet called, by the order they were added
        self._added = 0

    def __len__(self) -> int:
        return len(self._waiting)

    def add(self, visit: OpenVisit) -> None:
        number, self._added = self._added, self._added + 1
        self._waiting[number] = visit
        at = place(self._office, visit)
        heapq.heappush(self._order, (at.key, number))
        if at.overdue is not None:
            heapq.heappush(self._ageing, (at.due, number, at.overdue))

    def pop_first(self, now: datetime) -> OpenVisit:
        """The first in the call order at `now` (no earlier than the last call's), taken out."""
        while self._ageing and _past_limit(self._office, self._ageing[0][0], now):
            _, number, overdue = heapq.heappop(self._ageing)
            if number in self._waiting:
                heapq.heappush(self._order, (overdue, number))
        while True:
            _, number = heapq.heappop(self._order)
            if number in self._waiting:
                return self._waiting.pop(number)


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
    if counsellor_id is not None:  # a counsellor's own appointments before anyone else's
        return sorted(
            candidates, key=lambda v: (v.counsellor_id != counsellor_id, call_order_key(office, v, now))
        )
    return sorted(candidates, key=lambda v: call_order_key(office, v, now))


def callable_in_order(
    state: OfficeQueue,
    office: Office,
    line_id: str | None = None,
    counsellor_id: str | None = None,
    now: datetime | None = None,
) -> list[OpenVisit]:
    """Those of `waiting_in_order` who can be called: everyone but the visitors on hold."""
    return [v for v in waiting_in_order(state, office, line_id, counsellor_id, now) if not v.held]
