"""How right are the wait estimates? Plays four simulated office days at once on the real system (check-in
and queue APIs, Kafka, Redis) and compares each visitor's estimate given at check-in with the wait they
had until first called.

    .venv/bin/python bench/wait_estimates.py [--speed 120]

The days, all Monday 2026-11-23 (each office plays its own):
- `halden_drop_in`: NAV Halden's drop-in day (100 drop-ins, 44 % documents or case status, 09-15, four rooms);
- `loten_monday`: NAV Løten's Monday, drop-in 12-15 with three rooms;
- `emergency_burst`: NAV Fredrikstad's day with eight emergencies besides in the half hour after 10:00;
- `quiet_appointments`: NAV Elverum, no drop-in on Mondays: appointments and an emergency or two.

Writes bench/results/wait_estimates.json: per day and line (and `all`), the count of visitors called,
the mean and median absolute error, the bias (estimate minus actual) and the share within ±5 minutes.
A report, not a test: nothing here fails on a number.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from visitflow_devstack.stack import running
from visitflow_devstack.testing import System
from visitflow_events import Reason, UndecodableMessage, VisitKind, VisitorCalled, VisitorQueued, decode
from visitflow_offices import OSLO
from visitflow_platform.auth import Role, issue_token
from visitflow_platform.settings import ServiceSettings
from visitflow_simulator.plan import Arrival
from visitflow_simulator.runner import OfficeSimulation

RESULTS = Path(__file__).parent / "results" / "wait_estimates.json"
START = datetime(2026, 11, 23, 8, 0, tzinfo=OSLO)  # a Monday
END = datetime(2026, 11, 23, 16, 30, tzinfo=OSLO)
DAYS = {
    "halden_drop_in": "halden",
    "loten_monday": "loten",
    "emergency_burst": "fredrikstad",
    "quiet_appointments": "elverum",
}
BURST = [START.replace(hour=10) + timedelta(minutes=4 * n) for n in range(8)]
WITHIN_MIN = 5.0
STARTUP_S = 150


@dataclass(frozen=True)
class Quote:
    line_id: str
    estimate_min: float
    actual_min: float
    checked_in_at: datetime


def quotes(values: list[bytes], office_id: str) -> list[Quote]:
    """Each visitor called: the wait quoted at check-in and the wait until the first call."""
    queued: dict[str, VisitorQueued] = {}
    called: dict[str, VisitorCalled] = {}
    for value in values:
        try:
            event = decode(value)
        except UndecodableMessage:
            continue
        if event.office_id != office_id:
            continue
        if isinstance(event, VisitorQueued):
            queued[str(event.visit_id)] = event
        elif isinstance(event, VisitorCalled) and event.call_number == 1:
            called.setdefault(str(event.visit_id), event)
    return [
        Quote(
            event.line_id,
            event.estimated_wait_s / 60,
            (called[visit_id].occurred_at - event.checked_in_at).total_seconds() / 60,
            event.checked_in_at,
        )
        for visit_id, event in queued.items()
        if visit_id in called
    ]


def summary(pairs: list[Quote]) -> dict[str, Any]:
    misses = [q.estimate_min - q.actual_min for q in pairs]
    return {
        "count": len(pairs),
        "mean_abs_error_min": round(statistics.fmean(abs(m) for m in misses), 1),
        "median_abs_error_min": round(statistics.median(abs(m) for m in misses), 1),
        "bias_min": round(statistics.fmean(misses), 1),
        "within_5_min_share": round(sum(abs(m) <= WITHIN_MIN for m in misses) / len(misses), 2),
    }


def by_line(pairs: list[Quote]) -> dict[str, Any]:
    lines: dict[str, list[Quote]] = {}
    for quote in pairs:
        lines.setdefault(quote.line_id, []).append(quote)
    every = {"all": summary(pairs)} if pairs else {}
    return {"lines": {**every, **{line: summary(q) for line, q in sorted(lines.items())}}}


async def burst(simulation: OfficeSimulation) -> None:
    """Emergencies besides the planned day, checked in as any other arrival."""
    emergency = (VisitKind.EMERGENCY, Reason.EMERGENCY_ASSISTANCE)
    await simulation.play_arrivals([Arrival(at, *emergency) for at in BURST])


async def play(checkin_url: str, queue_url: str, real_s: float) -> None:
    settings = ServiceSettings(service_name="simulator")
    await asyncio.sleep(max(0.0, (START - settings.clock.now()).total_seconds() / settings.clock_speed))
    token = issue_token(settings, Role.ADMIN, "bench", hours=24)
    auth = {"Authorization": f"Bearer {token}"}
    async with (
        httpx.AsyncClient(base_url=checkin_url, timeout=30, headers=auth) as checkin,
        httpx.AsyncClient(base_url=queue_url, timeout=30, headers=auth) as queue,
    ):
        simulations = {
            day: OfficeSimulation(office, settings.clock, settings.clock_speed, checkin, queue)
            for day, office_id in DAYS.items()
            if (office := settings.offices.office(office_id)) is not None
        }
        plays = [simulation.play_day() for simulation in simulations.values()]
        plays.append(burst(simulations["emergency_burst"]))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*plays), real_s)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--speed", type=float, default=120)
    parser.add_argument("--details", type=Path, help="also write each visitor's quote and wait here")
    args = parser.parse_args()
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
        asyncio.run(play(stack.url("checkin"), stack.url("queue"), real_s))
        values = system.read_topic(system.topics.visits)
        system.close()
    played = {day: quotes(values, office_id) for day, office_id in DAYS.items()}
    result = {"days": {day: by_line(pairs) for day, pairs in played.items()}}
    if args.details:
        details = {
            day: [q.__dict__ for q in sorted(pairs, key=lambda q: q.checked_in_at)]
            for day, pairs in played.items()
        }
        args.details.write_bytes(orjson.dumps(details, option=orjson.OPT_INDENT_2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
