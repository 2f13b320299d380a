"""How right are the wait estimates? Plays six simulated office days at once on the real system (check-in
and queue APIs, Kafka, Redis) and compares each visitor's estimate given at check-in with the wait they
had until first called.

    .venv/bin/python -m bench.wait_estimates [--speed 75] [--events run.json]

The days, all Monday 2026-11-23 (each office plays its own):
- `halden_drop_in`: NAV Halden's drop-in day (100 drop-ins, 44 % documents or case status, 09-15, four rooms);
- `loten_monday`: NAV Løten's Monday, drop-in 12-15 with three rooms;
- `emergency_burst`: NAV Fredrikstad's day with eight emergencies besides in the half hour after 10:00;
- `quiet_appointments`: NAV Elverum, no drop-in on Mondays: appointments and an emergency or two;
held out (`HELD_OUT`: a model change is judged on the first four and kept only if these are no worse):
- `moss_busy`: NAV Moss, 100 drop-ins 09-15 with three rooms, another seed;
- `grunerlokka_lunch`: NAV Grünerløkka, six rooms, three of them closed for lunch 11:30-12:15, another seed
  (the hosts close them saying until 12:15, and open them again then).

The hosts look at the live list every `--host-step` simulated seconds (a minute), at fixed moments of
the clock, each look once the list shows every check-in answered so far; arrivals come halfway between
two looks, the hosts reckon walks and conversations from their own looks, and each conversation's
length follows from the day's seed and the ticket (`visitflow_simulator.runner`, `.hosts`): two runs
of the same code call the same visitors at nearly the same times (PERFORMANCE.md says how nearly).

Writes bench/results/wait_estimates.json: per day and line (and `all`), the count of visitors called,
the mean and median absolute error, the bias (estimate minus actual), the share within ±5 minutes and
the share for whom what they were told held (`said_held_share`: the wait within the figure or range
the screens said, `said_bounds_s`; from the `VisitorQueued`'s range, which runs recorded before the
events carried it do not have: rescored, they get it from the replay).
`--events` also keeps the run's visit events (and the booking feed), so a change to the estimator can
be scored again on the very same days without playing them (`--rescore`, with the estimator of the
working tree, given each office's bookings of the day folded from the kept booking feed: the hosts do
not look at the estimates, so the days would be played the same; with `--without bookings`, as the
queue worker's forecast is without the day's bookings; with `--without until`, as the estimator was
before it expected a room closed until a time back then; with `--knowing arrivals` or `--knowing pace`,
given from the day itself what no quote can know: a bound to judge the model by, not a model; with
`--history WEEKS`, each office given that many past Mondays as the simulator plans them, the past days
whose arrivals per line and hour and conversations per reason and line the estimator learns, which a
played day from a fresh system has none of). `--bound REPLAYS` rescores instead what no estimator can
beat (`wait_bound`). `--draw N` plays or rescores other draws of the same days (each seed plus N), so
that a change is judged on days it was not made on. A report, not a test: nothing here fails on a
number.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import heapq
import math
import os
import statistics
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
import orjson
from visitflow_devstack.stack import running
from visitflow_devstack.testing import System
from visitflow_events import (
    AppointmentEvent,
    AppointmentMissed,
    Event,
    Reason,
    RoomClosed,
    ServiceCompleted,
    ServiceStarted,
    UndecodableMessage,
    VisitKind,
    VisitorCalled,
    VisitorCheckedIn,
    VisitorQueued,
    decode,
)
from visitflow_offices import OSLO, Office, OfficeDirectory
from visitflow_platform.auth import Role, issue_token
from visitflow_platform.settings import ServiceSettings
from visitflow_queue.domain.appointments import DayBook, arrive, book
from visitflow_queue.domain.estimates import HORIZON, RATE_WINDOW, Expected, Wait, _office, forecast
from visitflow_queue.domain.history import ArrivalHistory, TalkHistory, folded, talks_folded
from visitflow_queue.domain.state import RECENT_DURATIONS, OfficeQueue, evolve
from visitflow_simulator.hosts import conversation, hosts_seed
from visitflow_simulator.plan import Arrival, plan_day
from visitflow_simulator.runner import OfficeSimulation

from bench import wait_bound

RESULTS = Path(__file__).parent / "results" / "wait_estimates.json"
START = datetime(2026, 11, 23, 8, 0, tzinfo=OSLO)  # a Monday
END = datetime(2026, 11, 23, 16, 30, tzinfo=OSLO)


@dataclass(frozen=True)
class Day:
    office_id: str
    seed: int = 0
    emergencies: tuple[datetime, ...] = ()  # checked in besides the planned day
    closed: tuple[tuple[datetime, datetime, tuple[str, ...]], ...] = ()  # rooms out of service a while


BURST = tuple(START.replace(hour=10) + timedelta(minutes=4 * n) for n in range(8))
LUNCH = (START.replace(hour=11, minute=30), START.replace(hour=12, minute=15))
DAYS = {
    "halden_drop_in": Day("halden"),
    "loten_monday": Day("loten"),
    "emergency_burst": Day("fredrikstad", emergencies=BURST),
    "quiet_appointments": Day("elverum"),
    "moss_busy": Day("moss", seed=1),
    "grunerlokka_lunch": Day(
        "grunerlokka", seed=2, closed=((*LUNCH, ("samtalerom-1", "samtalerom-2", "samtalerom-3")),)
    ),
}
HELD_OUT = ("moss_busy", "grunerlokka_lunch")
WITHIN_MIN = 5.0
STARTUP_S = 150


@dataclass(frozen=True)
class Quote:
    visit_id: str
    line_id: str
    estimate_min: float
    actual_min: float
    checked_in_at: datetime
    said_s: tuple[int, int] | None  # the waits for which what they were told held (`said_bounds_s`)


def decoded(values: list[bytes]) -> list[Event]:
    events = []
    for value in values:
        with contextlib.suppress(UndecodableMessage):
            if isinstance(message := decode(value), Event):
                events.append(message)
    return events


def quotes(events: list[Event], office_id: str) -> list[Quote]:
    """Each visitor called: the wait quoted at check-in and the wait until the first call."""
    queued: dict[str, VisitorQueued] = {}
    called: dict[str, VisitorCalled] = {}
    for event in events:
        if event.office_id != office_id:
            continue
        if isinstance(event, VisitorQueued):
            queued[str(event.visit_id)] = event
        elif isinstance(event, VisitorCalled) and event.call_number == 1:
            called.setdefault(str(event.visit_id), event)
    return [
        Quote(
            visit_id,
            event.line_id,
            event.estimated_wait_s / 60,
            (called[visit_id].occurred_at - event.checked_in_at).total_seconds() / 60,
            event.checked_in_at,
            event.said_bounds(),
        )
        for visit_id, event in queued.items()
        if visit_id in called
    ]


def summary(pairs: list[Quote]) -> dict[str, Any]:
    misses = [q.estimate_min - q.actual_min for q in pairs]
    said = [q.said_s[0] <= q.actual_min * 60 <= q.said_s[1] for q in pairs if q.said_s is not None]
    return {
        "count": len(pairs),
        "mean_abs_error_min": round(statistics.fmean(abs(m) for m in misses), 1),
        "median_abs_error_min": round(statistics.median(abs(m) for m in misses), 1),
        "bias_min": round(statistics.fmean(misses), 1),
        "within_5_min_share": round(sum(abs(m) <= WITHIN_MIN for m in misses) / len(misses), 2),
        **({"said_held_share": round(sum(said) / len(said), 2)} if said else {}),
    }


def by_line(pairs: list[Quote]) -> dict[str, Any]:
    lines: dict[str, list[Quote]] = {}
    for quote in pairs:
        lines.setdefault(quote.line_id, []).append(quote)
    every = {"all": summary(pairs)} if pairs else {}
    return {"lines": {**every, **{line: summary(q) for line, q in sorted(lines.items())}}}


async def burst(simulation: OfficeSimulation, day: Day) -> None:
    """Emergencies besides the planned day, checked in as any other arrival."""
    emergency = (VisitKind.EMERGENCY, Reason.EMERGENCY_ASSISTANCE)
    await simulation.play_arrivals([Arrival(at, *emergency) for at in day.emergencies])


async def play(checkin_url: str, queue_url: str, real_s: float, host_step: timedelta) -> None:
    settings = ServiceSettings(service_name="simulator")
    await asyncio.sleep(max(0.0, (START - settings.clock.now()).total_seconds() / settings.clock_speed))
    token = issue_token(settings, Role.ADMIN, "bench", hours=24)
    auth = {"Authorization": f"Bearer {token}"}
    async with (
        httpx.AsyncClient(base_url=checkin_url, timeout=30, headers=auth) as checkin,
        httpx.AsyncClient(base_url=queue_url, timeout=30, headers=auth) as queue,
    ):
        simulations = {
            name: OfficeSimulation(
                office, settings.clock, settings.clock_speed, checkin, queue, day.seed, host_step=host_step
            )
            for name, day in DAYS.items()
            if (office := settings.offices.office(day.office_id)) is not None
        }
        plays = [simulation.play_day() for simulation in simulations.values()]
        plays += [burst(simulations[name], day) for name, day in DAYS.items() if day.emergencies]
        plays += [
            simulations[name].play_room_closures(list(day.closed)) for name, day in DAYS.items() if day.closed
        ]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*plays), real_s)


def in_order(events: list[Event]) -> list[Event]:
    """The visits topic's events in their order, with the booking feed's put in by time (the feed is
    another topic: kept after the visits)."""

    def booking(event: Event) -> bool:
        return isinstance(event, AppointmentEvent) and not isinstance(event, AppointmentMissed)

    feed = [event for event in events if booking(event)]
    visits = [event for event in events if not booking(event)]
    return list(heapq.merge(feed, visits, key=lambda event: event.occurred_at))


WITHOUT = {
    "bookings": "the forecast not given the office's bookings of the day",
    "until": "the rooms' closes taken as until further notice (their `until` dropped)",
}


KNOWING = {
    "arrivals": "every later check-in of the day at its time, in place of the expected arrivals (each "
    "still reckoned at its line's mean conversation)",
    "pace": "each line's and reason's mean conversation from an hour before the quote to the visitor's "
    "first call, in place of the last ten's",
}


class Hindsight:
    """What a quote could not know, read from a recorded day, to measure what knowing it would give:
    an estimator that knows it bounds what any estimator that does not can reach."""

    def __init__(self, events: list[Event]) -> None:
        self.queued: dict[str, list[VisitorQueued]] = {}
        first_calls: dict[UUID, datetime] = {}
        started: dict[UUID, datetime] = {}
        self.talks: dict[str, list[tuple[datetime, str, str, int]]] = {}  # start, line, reason, seconds
        lines: dict[UUID, VisitorQueued] = {}
        for event in events:
            if isinstance(event, VisitorQueued):
                self.queued.setdefault(event.office_id, []).append(event)
                lines[event.visit_id] = event
            elif isinstance(event, VisitorCalled) and event.call_number == 1:
                first_calls.setdefault(event.visit_id, event.occurred_at)
            elif isinstance(event, ServiceStarted):
                started[event.visit_id] = event.occurred_at
            elif (
                isinstance(event, ServiceCompleted) and event.visit_id in started and event.visit_id in lines
            ):
                queued, start = lines[event.visit_id], started[event.visit_id]
                seconds = round((event.occurred_at - start).total_seconds())
                talk = (start, queued.line_id, queued.reason.value, seconds)
                self.talks.setdefault(event.office_id, []).append(talk)
        self.first_calls = first_calls

    def wait(
        self,
        state: OfficeQueue,
        office: Office,
        event: VisitorQueued,
        zone: ZoneInfo,
        day: DayBook | None,
        knowing: frozenset[str],
    ) -> Wait:
        now, until = event.occurred_at, self.first_calls.get(event.visit_id, event.occurred_at)
        if "pace" in knowing:
            by_line: dict[str, list[int]] = {}
            by_reason: dict[str, list[int]] = {}
            for start, line, reason, seconds in self.talks.get(event.office_id, []):
                if now - RATE_WINDOW <= start <= until:
                    by_line.setdefault(line, []).append(seconds)
                    by_reason.setdefault(reason, []).append(seconds)
            update = {
                "service_seconds": {**state.service_seconds, **by_line},
                "reason_seconds": {**state.reason_seconds, **by_reason},
            }
            state = state.model_copy(update=update)
        played = _office(state, office, now, zone, day)
        if "arrivals" in knowing:
            later = [q for q in self.queued.get(event.office_id, []) if now < q.checked_in_at < now + HORIZON]
            arrivals = [
                Expected((q.checked_in_at - now).total_seconds(), q.line_id, q.kind, n + 1, q.appointment_at)
                for n, q in enumerate(later)
            ]
            played = replace(played, arrivals=arrivals)
        return played.play(state.waiting(), {event.visit_id})[event.visit_id]


def past_days(offices: OfficeDirectory, weeks: int) -> dict[str, tuple[ArrivalHistory, TalkHistory]]:
    """Each day's office with a history of the `weeks` same weekdays before it, as the simulator plans
    them (other draws of the office's day: its figures, not the recorded day's arrivals), each
    arrival counted on the line the check-in gives it, those steered away at the door and the booked
    who never come left out; and of those days' conversations, each as long as the simulator's hosts
    would hold it (`hosts.conversation`, to the whole minute of their looks, as the queue records it),
    each reason's and line's last `RECENT_DURATIONS` of the day."""
    result = {}
    for day in DAYS.values():
        office = offices.office(day.office_id)
        assert office is not None
        history, talks = ArrivalHistory(), TalkHistory()
        for week in range(weeks, 0, -1):
            past = START.date() - timedelta(weeks=week)
            counts: dict[str, dict[int, int]] = {}
            reasons: dict[str, list[int]] = {}
            lines: dict[str, list[int]] = {}
            planned = plan_day(office, past, day.seed, zone=offices.timezone)
            for number, arrival in enumerate(planned):
                if arrival.redirect_to is None and arrival.comes:
                    line_id = office.line_for(arrival.kind, arrival.reason).id
                    hours = counts.setdefault(line_id, {})
                    hour = arrival.at.astimezone(offices.timezone).hour
                    hours[hour] = hours.get(hour, 0) + 1
                    if arrival.shows_up:
                        held = conversation(
                            hosts_seed(day.office_id, day.seed), f"{past}:{number}", arrival.reason.value
                        )
                        seconds = math.ceil(held.minutes) * 60
                        reasons.setdefault(arrival.reason.value, []).append(seconds)
                        lines.setdefault(line_id, []).append(seconds)
            history = folded(history, past, counts)
            talks = talks_folded(
                talks,
                {k: v[-RECENT_DURATIONS:] for k, v in reasons.items()},
                {k: v[-RECENT_DURATIONS:] for k, v in lines.items()},
            )
        result[day.office_id] = (history, talks)
    return result


def rescored(
    events: list[Event],
    offices: OfficeDirectory,
    without: frozenset[str] = frozenset(),
    knowing: frozenset[str] = frozenset(),
    history: dict[str, tuple[ArrivalHistory, TalkHistory]] | None = None,
) -> dict[str, list[Quote]]:
    """Each day's quotes again, from its recorded events, with the estimator as it is now: each office's
    queue and bookings of the day folded event by event (`evolve`, `book`, `arrive`), and each visitor's
    estimate made as the queue makes it, right after their `VisitorQueued`, at its moment; `without`
    leaves out what `WITHOUT` names, to compare with the estimator before it; `knowing` gives it what
    `KNOWING` names, from the day itself (`Hindsight`); `history`, each office's past days
    (`past_days`)."""
    hindsight = Hindsight(in_order(events)) if knowing else None
    states: dict[str, OfficeQueue] = {}
    days: dict[str, DayBook] = {}
    replayed: list[Event] = []
    for event in in_order(events):
        office = offices.office(event.office_id)
        if office is None:
            continue
        if "until" in without and isinstance(event, RoomClosed):
            event = event.model_copy(update={"until": None})
        if isinstance(event, AppointmentEvent | VisitorCheckedIn):
            day = days.get(event.office_id)
            if day is None or day.business_date != event.business_date:
                day = DayBook(office_id=event.office_id, business_date=event.business_date)
            days[event.office_id] = (
                book(day, event) if isinstance(event, AppointmentEvent) else arrive(day, event)
            )
        known, talks = (history or {}).get(event.office_id, (ArrivalHistory(), TalkHistory()))
        state = states.get(event.office_id) or OfficeQueue(
            office_id=event.office_id, history=known, talks=talks
        )
        state = evolve(state, event, offices.timezone)
        states[event.office_id] = state
        if isinstance(event, VisitorQueued):
            day = None if "bookings" in without else days.get(event.office_id)
            if hindsight is not None:
                wait = hindsight.wait(state, office, event, offices.timezone, day, knowing)
            else:
                wait = forecast(state, office, event.occurred_at, offices.timezone, day).visits[
                    event.visit_id
                ]
            told = {"estimated_low_s": wait.low_s, "estimated_high_s": wait.high_s}
            event = event.model_copy(update={"estimated_wait_s": wait.expected_s, **told})
        replayed.append(event)
    return {name: quotes(replayed, day.office_id) for name, day in DAYS.items()}


def bounded(events: list[Event], offices: OfficeDirectory, replays: int, step: timedelta) -> dict[str, Any]:
    """What no estimator can beat on each day (`wait_bound`), per line and `all`, over `replays`
    replays of each quote; and how far a replay with the day's own conversations is from what happened
    (`own_replay_max_diff_min`, its largest difference from a visitor's actual wait)."""
    ordered = in_order(events)
    result: dict[str, Any] = {}
    for name, spec in DAYS.items():
        office = offices.office(spec.office_id)
        if office is None:
            continue
        own = [event for event in ordered if event.office_id == spec.office_id]
        day = wait_bound.Day.read(own)
        states: list[tuple[OfficeQueue, VisitorQueued]] = []
        state = OfficeQueue(office_id=spec.office_id)
        for event in own:
            state = evolve(state, event, offices.timezone)
            if isinstance(event, VisitorQueued):
                states.append((state, event))
        found = wait_bound.spreads(states, office, day, replays, step)
        lines = sorted({spread.line_id for spread in found})
        seed = hosts_seed(spec.office_id, spec.seed)
        result[name] = {
            "own_replay_max_diff_min": round(wait_bound.own_replay_error(states, office, day, seed, step), 2),
            "lines": {
                line: wait_bound.summary([s for s in found if line in ("all", s.line_id)])
                for line in [*lines, "all"]
            },
        }
    return {"days": result, "replays": replays}


def report(played: dict[str, list[Quote]], details: Path | None) -> dict[str, Any]:
    result = {"days": {day: by_line(pairs) for day, pairs in played.items()}, "held_out": list(HELD_OUT)}
    if details:
        details.write_bytes(
            orjson.dumps(
                {
                    day: [q.__dict__ for q in sorted(pairs, key=lambda q: q.checked_in_at)]
                    for day, pairs in played.items()
                },
                option=orjson.OPT_INDENT_2,
            )
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--speed", type=float, default=75)
    parser.add_argument(
        "--host-step", type=float, default=60, help="simulated seconds between the hosts' looks"
    )
    parser.add_argument("--details", type=Path, help="also write each visitor's quote and wait here")
    parser.add_argument("--events", type=Path, help="also keep the run's visit events here")
    parser.add_argument(
        "--rescore", type=Path, help="score kept events again (no play); print, write nothing"
    )
    parser.add_argument(
        "--knowing",
        action="append",
        choices=sorted(KNOWING),
        default=[],
        help="when rescoring, know from the day itself: "
        + "; ".join(f"{k}: {v}" for k, v in KNOWING.items()),
    )
    parser.add_argument(
        "--without",
        action="append",
        choices=sorted(WITHOUT),
        default=[],
        help="when rescoring, leave out: " + "; ".join(f"{k}: {v}" for k, v in WITHOUT.items()),
    )
    parser.add_argument(
        "--history",
        type=int,
        default=0,
        metavar="WEEKS",
        help="when rescoring, give each office that many past weeks' same weekday (`past_days`)",
    )
    parser.add_argument(
        "--bound",
        type=int,
        default=0,
        metavar="REPLAYS",
        help="when rescoring, instead: what no estimator can beat, over that many replays of each quote "
        "(`wait_bound`)",
    )
    parser.add_argument(
        "--draw",
        type=int,
        default=0,
        metavar="N",
        help="play or rescore other draws of the same days (each day's seed plus N), to judge a model "
        "change on days it was not made on; a play of them writes no results",
    )
    args = parser.parse_args()
    if args.draw:
        DAYS.update({name: replace(day, seed=day.seed + args.draw) for name, day in DAYS.items()})
    if (args.knowing or args.without or args.history or args.bound) and not args.rescore:
        parser.error("--knowing, --without, --history and --bound apply to --rescore")
    if args.rescore:
        kept = decoded([v.encode() for v in orjson.loads(args.rescore.read_bytes())])
        offices = ServiceSettings(service_name="bench").offices
        if args.bound:
            bound = bounded(kept, offices, args.bound, timedelta(seconds=args.host_step))
            print(orjson.dumps(bound, option=orjson.OPT_INDENT_2).decode())
            return
        history = past_days(offices, args.history) if args.history else None
        played = rescored(kept, offices, frozenset(args.without), frozenset(args.knowing), history)
        result = report(played, args.details)
        print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
        return
    env = {
        "VISITFLOW_CLOCK_START": START.isoformat(),
        "VISITFLOW_CLOCK_SPEED": str(args.speed),
        # the day begins once the stack is up (it starts in about a minute; before, the clock is earlier)
        "VISITFLOW_CLOCK_EPOCH": f"{time.time() + STARTUP_S:.3f}",
    }
    with running("bench", env, fresh=True) as stack:
        system = System(stack)
        os.environ.update(stack.env())
        real_s = (END - START).total_seconds() / args.speed
        asyncio.run(play(stack.url("checkin"), stack.url("queue"), real_s, timedelta(seconds=args.host_step)))
        # the visits, and the booking feed (kept, so that an estimator given the day's bookings can be
        # rescored on these days: docs/decisions/wait-estimates-without-the-days-bookings.md)
        values = system.read_topic(system.topics.visits) + system.read_topic(system.topics.appointments)
        system.close()
    if args.events:
        args.events.write_bytes(orjson.dumps([v.decode() for v in values]))
    events = decoded(values)
    result = report({name: quotes(events, day.office_id) for name, day in DAYS.items()}, args.details)
    if not args.draw:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
