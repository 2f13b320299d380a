"""Wait estimates: when each visitor waiting will be called, found by playing the office forward.

The office is played from `now` with expected values (docs/ESTIMATES.md): each room in service comes
free when its conversation is expected to end (a room closed until a time its host said, at that
time), and is then given, after the office's turnover, to whoever the call order
(`ordering.call_order_key`, with the time, so ageing counts) puts first among those waiting and those
expected to arrive by then at each line's running arrival rate (drop-in lines until the drop-in window
ends, the others until the office closes), and, given the office's bookings of the day, the booked
visitors to come, each booking spread over the day's earliness. A visitor's estimate is when they are
called; a line's is its last visitor's, or that of one joining an empty line now (in the same play,
taking no room: `_Office.play_all`). The spread of conversation lengths and of arrivals gives each
estimate a range. Those waiting are kept in the call order as the play goes (`ordering.CallQueue`, in
numbers worked out once per visit: `ordering.ranks`), so a play costs n log n in the number waiting.

One function, `forecast`, for the check-in answer, the tablet, the display and the SMS.
"""

from __future__ import annotations

import heapq
import math
import statistics
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from operator import itemgetter
from typing import NamedTuple
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from visitflow_events import (
    LineWait,
    Message,
    Needs,
    Reason,
    StaffingOption,
    VisitKind,
    VisitStage,
    WaitEstimate,
    WaitsEstimated,
    new_envelope,
    office_day_correlation,
    said_minutes,
)
from visitflow_offices import OSLO, Office, QueueOrder, RoomKind
from visitflow_offices.calendar import local_instant, office_hours

from .appointments import DayBook, Status
from .ordering import EMERGENCY, IN_TURN, MICROSECOND, OVERDUE, CallQueue, Rank, micros, rank_at, ranks_once
from .state import OfficeQueue, OpenVisit

# The estimator's parameters (docs/ESTIMATES.md says why each is what it is).
WALK_S = 60  # first call to the conversation's start, before the office has any today
TURNOVER_S = 30  # a room freed to its next call, before the office has any today
SPREAD = 0.4  # a conversation's length varies by this share of its mean, before a line has three today
RATE_PRIOR_H = 0.5  # the configured arrival rate counts as this many hours of observed arrivals
RATE_WINDOW = timedelta(hours=1)  # arrivals counted for a line's running rate (state.ARRIVALS_WINDOW)
BURST_WINDOW = timedelta(minutes=15)  # the same for an emergency line: emergencies come with an incident
HORIZON = timedelta(hours=8)  # no estimate beyond
LATE_BACK_S = 60  # a room still closed after the time its host said is expected back this soon
EARLY_S = 5 * 60  # a booked visitor checks in this long before their start, before three have today
EARLINESS_KEPT = 20  # the day's latest booked arrivals whose earliness spreads a booking's expected one
PAST_TALKS = 10  # the past days' mean conversation of a reason or line counts as this many of today's


class Wait(NamedTuple):
    """A wait estimate in plain numbers (seconds), as the play makes one for every visitor waiting at
    every batch: made a `WaitEstimate` (`event`) only where an event carries it."""

    expected_s: int
    low_s: int
    high_s: int
    no_room: bool = False  # every room is out of service: no wait can be said

    def event(self) -> WaitEstimate:
        return WaitEstimate(
            expected_s=self.expected_s, low_s=self.low_s, high_s=self.high_s, no_room=self.no_room
        )


def wait_view(wait: Wait) -> dict[str, int | bool | None]:
    """An estimate as screens receive it: seconds, and the minutes every screen says (`said_minutes`);
    and `no_room` when every room is out of service (screens say "no room open", not a figure)."""
    minutes, minutes_to = said_minutes(wait.expected_s, wait.low_s, wait.high_s)
    return {
        "expected_wait_s": wait.expected_s,
        "low_s": wait.low_s,
        "high_s": wait.high_s,
        "minutes": minutes,
        "minutes_to": minutes_to,
        **({"no_room": True} if wait.no_room else {}),  # only then: a waiting visitor's view stays small
    }


@dataclass(frozen=True)
class Forecast:
    visits: dict[UUID, Wait]  # every visitor waiting
    lines: dict[str, Wait]  # every line: its last visitor's, or one joining it now
    # those waiting in the call order at the forecast's time, and of which visits at what time
    order: list[OpenVisit] = field(default_factory=list, compare=False)
    ordered: tuple[dict[UUID, OpenVisit], datetime] | None = field(default=None, compare=False)

    def waiting_in_order(self, state: OfficeQueue, now: datetime | None) -> list[OpenVisit] | None:
        """`ordering.waiting_in_order(state, office, now=now)` if the forecast was made of `state`'s
        visits at `now` (it ordered them to find each line's last), else None (a copy: it is shared)."""
        if self.ordered is None or self.ordered[0] is not state.visits or self.ordered[1] != now:
            return None
        return list(self.order)


def _mean(recent: list[int] | None, default: float) -> float:
    return statistics.fmean(recent) if recent else default


def _learned(recent: list[int] | None, past: float | None, default: float) -> float:
    """Today's recent conversations' mean, the past days' counting as `PAST_TALKS` of them; before
    either is known, `default`."""
    if past is None:
        return _mean(recent, default)
    recent = recent or []
    return (sum(recent) + PAST_TALKS * past) / (len(recent) + PAST_TALKS)


def mean_service_seconds(state: OfficeQueue, office: Office, line_id: str) -> float:
    """A line's conversation length: its recent ones today and its past days' (`history.TalkHistory`),
    or the office's default before it has either."""
    default = office.policy.default_service_minutes * 60.0
    return _learned(state.service_seconds.get(line_id), state.talks.line(line_id), default)


def service_seconds(state: OfficeQueue, office: Office, line_id: str, reason: Reason | None) -> float:
    """A visitor's expected conversation length: their reason's, today's and the past days', else their
    line's."""
    if reason is None:
        return mean_service_seconds(state, office, line_id)
    recent, past = state.reason_seconds.get(reason.value), state.talks.reason(reason.value)
    return _learned(recent, past, mean_service_seconds(state, office, line_id))


def _spread(state: OfficeQueue, line_id: str) -> float:
    return _relative_spread(state.service_seconds.get(line_id, []))


def _relative_spread(recent: list[int]) -> float:
    """Conversations' variation as a share of their mean; `SPREAD` before three are known."""
    if len(recent) < 3:
        return SPREAD
    return statistics.pstdev(recent) / max(1.0, statistics.fmean(recent))


def _calling_rooms(office: Office) -> list[str]:
    conversation = [room.id for room in office.rooms if room.kind is RoomKind.CONVERSATION]
    return conversation or [r.id for r in office.rooms]


def rooms_in_service(state: OfficeQueue, office: Office) -> list[str]:
    """The rooms visitors are called to: the conversation rooms (every room, in an office without), but
    those out of service today."""
    return [room_id for room_id in _calling_rooms(office) if room_id not in state.closed_rooms]


def rooms_expected_back(state: OfficeQueue, office: Office, now: datetime) -> dict[str, float]:
    """The rooms out of service whose host said until when (`RoomClosed.until`): in how many seconds
    each is expected back; one still closed after its time is expected back in a minute (the host is
    late opening it, not gone for the day). Those closed until further notice are not expected back."""
    return {
        room_id: max((state.closed_until[room_id] - now).total_seconds(), LATE_BACK_S)
        for room_id in _calling_rooms(office)
        if room_id in state.closed_rooms and room_id in state.closed_until
    }


def serving_rooms(state: OfficeQueue, office: Office) -> int:
    return len(rooms_in_service(state, office))


def ahead_of(state: OfficeQueue, office: Office, visit: OpenVisit, now: datetime | None = None) -> int:
    """How many are before `visit` in the call order at `now` (visitors on hold keep their place)."""
    at = None if now is None else micros(now)
    key = rank_at(office, visit, at)
    return sum(1 for other in state.waiting() if rank_at(office, other, at) < key)


def rate_window(kind: VisitKind) -> timedelta:
    """How far back a line's check-ins are counted for its running rate, and how far ahead that rate
    is expected to hold: an hour (what the last hour says of the next), but for emergencies a quarter
    of an hour: they are no steady stream but come with an incident, a few close together, and once
    a quarter of an hour has passed without one, the incident is expected to be over."""
    return BURST_WINDOW if kind is VisitKind.EMERGENCY else RATE_WINDOW


@dataclass(frozen=True)
class Arrivals:
    """A line's expected arrivals from now until `until`: at its running rate for the next
    `rate_window` (what the last window says of the next), then at the rates of `later`, each
    `(from_s, per_s)` in seconds from now until the next's: the office's past days' for each hour, or
    the configured rate (a burst is not expected to last all day). Rates per second."""

    line_id: str
    kind: VisitKind
    per_s: float
    until: datetime
    later: tuple[tuple[float, float], ...]

    def times(self, span_s: float) -> list[float]:
        """The expected arrivals' times in seconds from now, within `span_s`: the k-th when the
        expected count reaches k - 1/2."""
        near = rate_window(self.kind).total_seconds()
        steps = [(0.0, self.per_s), *((max(at, near), rate) for at, rate in self.later)]
        ends = [at for at, _ in steps[1:]] + [span_s]
        result: list[float] = []
        counted = 0.0  # the expected count at the step's start
        for (start, rate), end in zip(steps, ends, strict=True):
            end = min(end, span_s)
            if end <= start:
                continue
            while rate > 0 and (at := start + (len(result) + 0.5 - counted) / rate) < end:
                result.append(at)
            counted += (end - start) * rate
        return result


def _spans(office: Office, now: datetime, zone: ZoneInfo, drop_in: bool) -> list[tuple[datetime, datetime]]:
    hours = office_hours(office, now, zone)
    day = hours.local_time.date()
    spans = hours.drop_in_today if drop_in else hours.opening_today
    if drop_in:  # drop-in only while the office is open
        spans = tuple(s for s in spans if any(o.start <= s.start < o.end for o in hours.opening_today))
    return [
        (
            local_instant(datetime.combine(day, s.start), zone),
            local_instant(datetime.combine(day, s.end), zone),
        )
        for s in spans
    ]


def _hours(now: datetime, span: tuple[datetime, datetime], zone: ZoneInfo) -> list[tuple[float, int, float]]:
    """The local hours from `now` to the span's end: when each begins in seconds from now (0 for the
    first), which it is, and how many of its seconds the span holds (fewer where a window opens or
    closes within the hour, so an hour's count is a rate over the time it was open)."""
    start, end = span
    result = []
    at = now.astimezone(zone)
    while at < end:
        top = at.replace(minute=0, second=0, microsecond=0)
        following = (top + timedelta(hours=1)).astimezone(zone)
        held = (min(following, end) - max(top, start)).total_seconds()
        result.append(((at - now).total_seconds(), at.hour, held))
        at = following
    return result


def arrival_rates(state: OfficeQueue, office: Office, now: datetime, zone: ZoneInfo = OSLO) -> list[Arrivals]:
    """Each line's running arrival rate: the check-ins of its last `rate_window`, started from the
    expected rate as if that had been seen for `RATE_PRIOR_H`; and beyond the window, the expected
    rate. Expected: for a drop-in line, the mean of the office's past days of this weekday at each
    hour (`history.ArrivalHistory`); before any is known, the configured rate (the office's expected
    drop-ins a day over its drop-in hours, shared by its drop-in lines); none for the other lines.
    Only while the line's window is open."""
    drop_in_spans = _spans(office, now, zone, drop_in=True)
    opening_spans = _spans(office, now, zone, drop_in=False)
    drop_in_hours = sum((end - start).total_seconds() for start, end in drop_in_spans) / 3600
    drop_in_lines = sum(1 for line in office.lines if line.kind is VisitKind.DROP_IN)
    weekday = now.astimezone(zone).weekday()
    known = bool(state.history.days.get(weekday))
    hours: dict[tuple[datetime, datetime], list[tuple[float, int, float]]] = {}  # by window
    result = []
    for line in office.lines:
        drop_in = line.kind is VisitKind.DROP_IN
        current = next(
            ((s, e) for s, e in (drop_in_spans if drop_in else opening_spans) if s <= now < e), None
        )
        if current is None:
            continue
        window = rate_window(line.kind)
        # drop-ins only: appointments come as booked (`booked_arrivals`), emergencies with an incident
        if known and drop_in:
            if current not in hours:
                hours[current] = _hours(now, current, zone)
            later = tuple(
                (at, (state.history.per_hour(weekday, line.id, hour) or 0.0) / held)
                for at, hour, held in hours[current]
            )
            prior = later[0][1] * 3600
        else:
            prior = (
                office.expected_drop_ins_per_day / drop_in_hours / drop_in_lines
                if drop_in and drop_in_hours
                else 0.0
            )
            later = ((0.0, prior / 3600),)
        seen_h = min(window, now - current[0]).total_seconds() / 3600
        since = now - window
        # kept in the order folded, nearly always that of time: sorting such a list is one pass in C
        arrived = sorted(state.arrived.get(line.id, ()))
        counted = bisect_right(arrived, now) - bisect_right(arrived, since)
        per_h = (counted + prior * RATE_PRIOR_H) / (seen_h + RATE_PRIOR_H)
        if per_h > 0 or any(rate > 0 for _, rate in later):
            result.append(Arrivals(line.id, line.kind, per_h / 3600, current[1], later))
    return result


_NO_ROOM = Wait(0, 0, 0, no_room=True)
_HYPOTHETICAL = "ZZZ-9999"  # sorts after every ticket: an arrival goes behind its equals


_ANY_NEEDS = Needs()


def _newcomer(
    line_id: str, kind: VisitKind, at: datetime, number: int, appointment_at: datetime | None = None
) -> OpenVisit:
    # every field given: `model_construct` copies the defaults it fills in, a third of a play's cost
    return OpenVisit.model_construct(
        visit_id=UUID(int=number),
        ticket=_HYPOTHETICAL,
        line_id=line_id,
        kind=kind,
        reason=Reason.OTHER,
        checked_in_at=at,
        appointment_at=appointment_at,
        counsellor_id=None,
        needs=_ANY_NEEDS,
        stage=VisitStage.WAITING,
        room_id=None,
        calls=0,
        called_at=None,
        started_at=None,
        held=False,
    )


# A room in a play: when it comes free next, in seconds from now, that time's variance (of the
# conversations it holds until then), and how much of that time is calls (walks, conversations and
# turnovers: the office's pace; the rest is the room closed or idle). A plain tuple: a play makes one
# per call, and a named tuple's constructor would be a tenth of the play.
Room = tuple[float, float, float]


class Expected(NamedTuple):
    """An arrival the play expects, `at` seconds from now; made a visitor only when the play reaches
    it (most plays end long before the last expected arrival)."""

    at: float
    line_id: str
    kind: VisitKind
    number: int
    appointment_at: datetime | None = None  # a booked visitor's start

    @property
    def visit_id(self) -> UUID:
        return UUID(int=self.number)

    def visit(self, now: datetime) -> OpenVisit:
        at = now + timedelta(seconds=self.at)
        return _newcomer(self.line_id, self.kind, at, self.number, self.appointment_at)


@dataclass(frozen=True)
class _Office:
    """What a play of the office needs, worked out once per forecast."""

    office: Office
    state: OfficeQueue
    now: datetime
    rooms: int
    walk_s: float
    turnover_s: float
    arrivals: list[Expected]  # `expected_arrivals`
    room_change: int = 0  # for the staffing hint: rooms more (a free one) or fewer (the last to free)

    def cycle(self, line_id: str, reason: Reason | None) -> tuple[float, float]:
        """How long a call to a visitor of `line_id` for `reason` (an expected one's is not known: None)
        keeps a room, and that time's variance."""
        service = service_seconds(self.state, self.office, line_id, reason)
        return self.walk_s + service + self.turnover_s, (_spread(self.state, line_id) * service) ** 2

    def free_at(self) -> list[Room]:
        """When each room in service, or closed and expected back (`rooms_expected_back`), comes free,
        in seconds from now (a new list: a play takes it as its heap)."""
        return list(self._free_at)

    @cached_property
    def _free_at(self) -> tuple[Room, ...]:
        """`free_at`, worked out once for the plays of a forecast (one per line nobody waits in)."""
        times = []
        back = rooms_expected_back(self.state, self.office, self.now)
        for room_id in [*rooms_in_service(self.state, self.office), *back]:
            occupant = self.state.occupant(room_id)
            if occupant is None:
                # a free room calls after the office's turnover, as one that has just come free does
                times.append((back.get(room_id, self.turnover_s), 0.0, 0.0))
                continue
            service = service_seconds(self.state, self.office, occupant.line_id, occupant.reason)
            if occupant.started_at is not None:
                ends = occupant.started_at + timedelta(seconds=service)
            else:
                ends = (occupant.called_at or self.now) + timedelta(seconds=self.walk_s + service)
            # a conversation already longer than expected ends soon, not now
            remaining = max((ends - self.now).total_seconds(), min(service, 60.0))
            spread = _spread(self.state, occupant.line_id) * min(remaining, service)
            busy = remaining + self.turnover_s
            times.append((max(busy, back.get(room_id, 0.0)), spread**2, busy))
        if self.room_change >= 0:
            return (*times, *[(self.turnover_s, 0.0, 0.0)] * self.room_change)
        return tuple(sorted(times)[: max(0, len(times) + self.room_change)])

    @cached_property
    def pace_error(self) -> float:
        """How far the next conversations' mean may be from the recent ones' the play reckons with, as a
        share of it: the standard error of a mean of the `n` conversations a line's mean rests on (the
        lines' average; the office's default counts as one), `spread / sqrt(n + 1)`. The spread is the
        office's, all lines together: which lines' visitors come before the visitor is as unsure as
        how long each talks (per line, the burst day's ranges held for 66 % against 77 %). Unlike a
        conversation's own spread it does not even out over a play: every conversation ahead shares it."""
        recent = self.state.service_seconds.values()
        known = statistics.fmean(len(line) for line in recent) if recent else 0.0
        spread = _relative_spread([seconds for line in recent for seconds in line])
        return spread / math.sqrt(known + 1)

    @cached_property
    def _lines(self) -> dict[str, tuple[int, bool]]:
        """Each line's priority, and whether it is ordered by appointment time."""
        return {
            line.id: (line.priority, line.order is QueueOrder.APPOINTMENT_TIME) for line in self.office.lines
        }

    def ranks(self, expected: Expected) -> tuple[Rank, Rank | None, int]:
        """An expected arrival's place in the call order (`ordering.ranks`) as that of the visitor it
        stands in for (`Expected.visit`), without making the visitor: most are never called."""
        priority, by_appointment = self._lines.get(expected.line_id, (99, False))
        checked_in = self._now_us + timedelta(seconds=expected.at) // MICROSECOND
        due = checked_in
        if by_appointment and expected.appointment_at is not None:
            due = micros(expected.appointment_at)
        if expected.kind is VisitKind.EMERGENCY:
            return (EMERGENCY, priority, due, checked_in, _HYPOTHETICAL), None, due
        return (
            (IN_TURN, priority, due, checked_in, _HYPOTHETICAL),
            (OVERDUE, 0, due, checked_in, _HYPOTHETICAL),
            due,
        )

    @cached_property
    def _now_us(self) -> int:
        return micros(self.now)

    def play(self, waiting: list[OpenVisit], wanted: set[UUID]) -> dict[UUID, Wait]:
        """When each visitor in `wanted` is called, playing the office forward from now: each room's
        next free time with its variance (the conversations it holds until then)."""
        return self.play_all(waiting, wanted)[0]

    def play_all(
        self, waiting: list[OpenVisit], wanted: set[UUID] | None = None, joining: Sequence[OpenVisit] = ()
    ) -> tuple[dict[UUID, Wait], list[Wait]]:
        """`play` for `wanted` (None: everyone waiting), and when each of `joining` would be called had
        they joined now, each alone: they are in the same play but take no room (when one is called, the
        room goes to the next), so none of them changes another's call or anyone else's, as one play
        per joiner with only that joiner added would have it."""
        rooms = self.free_at()
        if not rooms:  # every room out of service until further notice: nobody is called until one opens
            everyone = [visit.visit_id for visit in waiting] if wanted is None else wanted
            return dict.fromkeys(everyone, _NO_ROOM), [_NO_ROOM] * len(joining)
        heapq.heapify(rooms)
        arrivals = self.arrivals
        queue: CallQueue[Expected] = CallQueue(self.office, self.now, waiting)
        for joiner in joining:
            queue.add(joiner, *ranks_once(self.office, joiner))
        real = len(waiting)  # the numbers of those waiting; the joiners' follow
        joiners = real + len(joining)
        cycles: dict[tuple[str, Reason | None], tuple[float, float]] = {}
        coming = 0
        overtakers, mean_cycle = 0, 0.0
        found: dict[UUID, Wait] = {}
        joined: dict[int, Wait] = {}
        left = (real if wanted is None else len(wanted)) + len(joining)
        horizon = HORIZON.total_seconds()
        while left and rooms:
            t, variance, busy = heapq.heappop(rooms)
            while coming < len(arrivals) and arrivals[coming].at <= t:
                queue.add(arrivals[coming], *self.ranks(arrivals[coming]))
                coming += 1
            if not queue:
                if coming >= len(arrivals):
                    break
                heapq.heappush(rooms, (arrivals[coming].at, 0.0, 0.0))
                continue
            number, visit = queue.pop_first(t)
            if real <= number < joiners:  # a joiner takes no room: the next call is at the same time
                joined[number - real] = self._wait(t, variance, busy, overtakers, mean_cycle)
                left -= 1
                heapq.heappush(rooms, (t, variance, busy))
                continue
            if (number < real) if wanted is None else (visit.visit_id in wanted):
                found[visit.visit_id] = self._wait(t, variance, busy, overtakers, mean_cycle)
                left -= 1
            if t > horizon:
                break
            hypothetical = number >= real
            talk = (visit.line_id, None if isinstance(visit, Expected) else visit.reason)
            if talk not in cycles:
                cycles[talk] = self.cycle(visit.line_id, talk[1])
            cycle, spread = cycles[talk]
            overtakers += hypothetical
            mean_cycle = cycle if not mean_cycle else 0.8 * mean_cycle + 0.2 * cycle
            heapq.heappush(rooms, (t + cycle, variance + spread, busy + cycle))
        ceiling = Wait(int(horizon), int(horizon), int(horizon))
        if left:
            for visit_id in [v.visit_id for v in waiting] if wanted is None else wanted:
                found.setdefault(visit_id, ceiling)
        return found, [joined.get(k, ceiling) for k in range(len(joining))]

    def _wait(self, t: float, variance: float, busy: float, overtakers: int, mean_cycle: float) -> Wait:
        """A call at `t` from a room (`Room`) whose free time has `variance`: the first of several rooms
        to come free varies less than any one (divided by the rooms); overtakers arrive as a Poisson
        stream; and the pace's own uncertainty (`pace_error`) is shared by the `busy` seconds of calls
        the room holds until then."""
        own = variance / self.rooms + overtakers * (mean_cycle / self.rooms) ** 2
        sd = math.sqrt(own + (self.pace_error * busy) ** 2)
        return Wait(round(t), max(0, round(t - sd)), round(t + sd))


def earliness(day: DayBook) -> tuple[list[float], float]:
    """How long before their start the day's booked visitors checked in (the last `EARLINESS_KEPT`, in
    seconds, the late ones negative; `EARLY_S` counted too while fewer than three have come), and the
    share of booked visitors taken not to come: of the bookings settled so far (came, or missed), by
    Laplace's rule of succession, (missed + 1) / (settled + 2), so a day none has missed yet still
    allows that one may (else a booked visitor later than all of the day's is certain to come, at
    once)."""
    came = sorted(
        (b.arrived_at, (b.starts_at - b.arrived_at).total_seconds())
        for b in day.bookings.values()
        if b.status is Status.ARRIVED and b.arrived_at is not None
    )
    offsets = [early for _, early in came[-EARLINESS_KEPT:]]
    if len(offsets) < 3:
        offsets.append(float(EARLY_S))
    missed = sum(1 for b in day.bookings.values() if b.status is Status.MISSED)
    return offsets, (missed + 1) / (missed + len(came) + 2)


def booked_arrivals(day: DayBook, office: Office, now: datetime) -> list[Expected]:
    """The bookings still to come, as expected arrivals in seconds from now. Each booking's arrival is
    spread over the day's earliness given that it has not come by now: an equal share at each moment a
    visitor as early as one of the day's would check in, of those still ahead, and the rest never (the
    share taken not to come). One later than every such moment but still within the grace period has one
    share, halfway to the grace period's end. The k-th expected arrival is when the shares, in time
    order, reach k - 1/2, as in a steady stream (`Arrivals.times`), for the booking whose share reaches
    it: a booked visitor is in the play once one is more likely to have come than not
    (docs/ESTIMATES.md)."""
    offsets, missed = earliness(day)
    grace_s = office.policy.appointment_grace_minutes * 60.0
    each = (1.0 - missed) / len(offsets)
    shares: list[tuple[float, float, str, datetime]] = []
    for booking in day.bookings.values():
        start_s = (booking.starts_at - now).total_seconds()
        if booking.status is not Status.BOOKED or start_s + grace_s <= 0:
            continue
        line_id = office.line_for(VisitKind.APPOINTMENT, booking.reason).id
        ahead = [start_s - early for early in offsets if start_s - early > 0] or [(start_s + grace_s) / 2]
        share = each / (len(ahead) * each + missed) if each > 0 else 0.0
        shares.extend((at, share, line_id, booking.starts_at) for at in ahead)
    result: list[Expected] = []
    total = 0.0
    for at, share, line_id, starts_at in sorted(shares, key=lambda s: s[0]):
        total += share
        while total >= len(result) + 0.5 - 1e-9:  # shares in thirds or fifths reach it only nearly
            result.append(Expected(at, line_id, VisitKind.APPOINTMENT, 0, starts_at))
    return result


def expected_arrivals(
    flows: list[Arrivals], now: datetime, booked: Sequence[Expected] = ()
) -> list[Expected]:
    """Arrivals at their expected times (`Arrivals.times`), and the bookings to come (`booked_arrivals`),
    in seconds from now, in time order."""
    result: list[Expected] = []
    for flow in flows:
        span = min((flow.until - now).total_seconds(), HORIZON.total_seconds())
        for at in flow.times(span):
            result.append(Expected(at, flow.line_id, flow.kind, len(result) + 1))
    for expected in booked:
        if expected.at < HORIZON.total_seconds():
            result.append(expected._replace(number=len(result) + 1))
    return sorted(result, key=lambda expected: expected.at)


def _office(
    state: OfficeQueue, office: Office, now: datetime, zone: ZoneInfo, day: DayBook | None = None
) -> _Office:
    flows = arrival_rates(state, office, now, zone)
    booked: list[Expected] = []
    if day is not None and day.bookings:  # the bookings, not a rate, for the appointment lines
        flows = [flow for flow in flows if flow.kind is not VisitKind.APPOINTMENT]
        booked = booked_arrivals(day, office, now)
    return _Office(
        office=office,
        state=state,
        now=now,
        rooms=max(1, serving_rooms(state, office)),
        walk_s=_mean(state.walk_seconds, WALK_S),
        turnover_s=_mean(state.turnover_seconds, TURNOVER_S),
        arrivals=expected_arrivals(flows, now, booked),
    )


def forecast(
    state: OfficeQueue, office: Office, now: datetime, zone: ZoneInfo = OSLO, day: DayBook | None = None
) -> Forecast:
    """Every waiting visitor's estimate, and every line's, at `now`; given the office's bookings of the
    day (`day`), the appointments to come are expected from them (`booked_arrivals`)."""
    played = _office(state, office, now, zone, day)
    waiting = state.waiting()
    at = micros(now)
    ranked = sorted(((rank_at(office, visit, at), visit) for visit in waiting), key=_first)
    last: dict[str, tuple[Rank, UUID]] = {}  # each line's last in the call order at now
    for rank, visit in ranked:
        if visit.line_id not in last or rank > last[visit.line_id][0]:
            last[visit.line_id] = (rank, visit.visit_id)
    empty = [line for line in office.lines if line.id not in last]
    joining = [_newcomer(line.id, line.kind, now, 0) for line in empty]
    visits, joined = played.play_all(waiting, None, joining)
    lines = {line.id: wait for line, wait in zip(empty, joined, strict=True)}
    for line_id, (_, visit_id) in last.items():
        lines[line_id] = visits[visit_id]
    return Forecast(
        visits=visits,
        lines={line.id: lines[line.id] for line in office.lines},
        order=[visit for _, visit in ranked],
        ordered=(state.visits, now),
    )


_first = itemgetter(0)

STAFFING_HORIZON = timedelta(hours=1)


def staffing(
    state: OfficeQueue, office: Office, now: datetime, zone: ZoneInfo = OSLO, day: DayBook | None = None
) -> tuple[StaffingOption, ...]:
    """For the office lead: the expected wait of those arriving over the next hour at the current
    rates (and the bookings to come, given the day's), with the rooms in service, one fewer and one
    more."""
    in_service = serving_rooms(state, office)
    base = _office(state, office, now, zone, day)
    coming = [expected for expected in base.arrivals if expected.at < STAFFING_HORIZON.total_seconds()]
    result = []
    for change in (-1, 0, 1):
        rooms = in_service + change
        if rooms < 1:
            continue
        played = replace(base, rooms=rooms, room_change=change)
        called = played.play(state.waiting(), {expected.visit_id for expected in coming})
        waits = [called[expected.visit_id].expected_s - expected.at for expected in coming]
        expected = round(statistics.fmean(waits)) if waits else None
        result.append(StaffingOption(rooms=rooms, as_now=change == 0, expected_wait_s=expected))
    return tuple(result)


def line_waits(state: OfficeQueue, office: Office, estimates: Forecast) -> tuple[LineWait, ...]:
    waiting = Counter(visit.line_id for visit in state.waiting())
    return tuple(
        LineWait(line_id=line.id, waiting=waiting[line.id], estimate=estimates.lines[line.id].event())
        for line in office.lines
    )


_IDS = UUID("0b7f4f0e-5d2a-4c47-9a51-3f0f4f3d2c61")


def waits_estimated(
    day: date,
    lines: tuple[LineWait, ...],
    hint: tuple[StaffingOption, ...],
    cause: Message,
    now: datetime,
) -> WaitsEstimated:
    """The lines' estimates and the staffing hint as published after `cause`; its id follows from the
    cause, so a batch decided again after a crash publishes the same event, which consumers ignore."""
    return WaitsEstimated(
        **new_envelope(
            event_id=uuid5(_IDS, f"waits:{cause.message_id}"),
            occurred_at=now,
            office_id=cause.office_id,
            correlation_id=office_day_correlation(cause.office_id, day),
            causation_id=cause.message_id,
            producer="queue",
        ),
        business_date=day,
        lines=lines,
        staffing=hint,
    )
