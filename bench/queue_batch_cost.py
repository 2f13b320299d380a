"""What the queue worker's use case costs per check-in, without Kafka or Redis: `QueueHandlers` with
plain dicts as tables and an outbox that encodes the events and builds the live frames and answers
as the real one does, but writes them nowhere. The load is the efficiency scenario's: the bench's
country of 250 offices (80 rooms each), check-ins round-robin over the offices, one per batch (at
200 a second over 250 offices an office rarely has two in a batch), each office's list growing from
empty to `--per-office` waiting, as in the scenario's 30 s. Pure process, no system: the figure is
the CPU time per check-in on this machine, steady enough to compare changes to the domain and the
handlers between runs on a loaded machine, which the system-wide figure is not.

With `--waiting`, the same check-ins into offices that already have so many waiting (30, 120 and
300): `--offices` of the country, each given that many check-ins over the hour before (made by the
domain, not timed), then one check-in per office and batch round-robin, `--check-ins` per office,
the first of each office untimed (it parses the stored state and makes the office's staffing hint,
which a busy office has long done; each office has had past days of the weekday, whose rates its
forecast expects, here its configured ones). The figure is the CPU per check-in of an office with N
waiting.

    .venv/bin/python bench/queue_batch_cost.py [--per-office 24] [--repeat 3]
    .venv/bin/python bench/queue_batch_cost.py --waiting 30 120 300 [--offices 25] [--check-ins 9]

Prints the median of the repeats (ms per check-in); with `--waiting`, also writes them to
bench/results/queue_batch_cost.json. A report, not a test: nothing fails on a number.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson
from visitflow_events import (
    Event,
    VisitorCheckedIn,
    encode,
    new_envelope,
    visit_correlation,
)
from visitflow_offices import FixedClock, OfficeDirectory, business_date, load_offices
from visitflow_offices.calendar import Span, office_hours
from visitflow_platform.live import Outgoing, office_frames
from visitflow_queue.adapters.frames import frame, snapshot_frame
from visitflow_queue.domain import OfficeQueue, check_in, fold
from visitflow_queue.domain.changes import Shown
from visitflow_queue.domain.changes import changes as view_changes
from visitflow_queue.domain.estimates import arrival_rates
from visitflow_queue.domain.history import HISTORY_DAYS, folded
from visitflow_queue.handlers.visit_events import QueueHandlers

from bench.country import DROP_IN_MIX as MIX
from bench.country import office_ids, working_morning, write_country

RESULTS = Path(__file__).parent / "results" / "queue_batch_cost.json"


class OfflineOutbox:
    """The real outbox's CPU work (encoding, the frames with the changes to the last picture, the
    answers' JSON) without its I/O."""

    def __init__(self) -> None:
        self._shown: dict[str, Shown] = {}
        self._ids = 0

    async def emit(self, events: list[Event]) -> None:
        for event in events:
            encode(event)

    async def project(
        self,
        changes: list[tuple[str, list[Event], dict[str, Any]]],
        replies: list[tuple[str, dict[str, Any]]],
    ) -> None:
        frames: list[Outgoing] = []
        for office_id, events, view in changes:
            shown = self._shown.pop(office_id, None)
            change = view_changes(shown, events, view) if shown is not None else None
            state = {"snapshot": view} if change is None else {"changes": change}
            render = partial(lambda s, e, last: frame(e, s if last else None), state)
            frames += office_frames(office_id, events, render, snapshot_frame(view))
        for _, payload in replies:
            orjson.dumps(payload)
        views = {office_id: view for office_id, _, view in changes}
        for outgoing in frames:
            self._ids += 1
            if outgoing.snapshot is not None:
                self._shown[outgoing.office_id] = Shown.of(f"{self._ids}-0", views[outgoing.office_id])

    async def refresh(self, views: list[tuple[str, dict[str, Any]]]) -> None:
        return None


def arrival(offices: OfficeDirectory, office_id: str, n: int, at: datetime) -> VisitorCheckedIn:
    office = offices.office(office_id)
    assert office is not None
    kind, reason = MIX[n % len(MIX)]
    visit_id = uuid4()
    return VisitorCheckedIn(
        **new_envelope(
            event_id=uuid4(),
            occurred_at=at,
            office_id=office_id,
            correlation_id=visit_correlation(visit_id),
            producer="bench",
        ),
        visit_id=visit_id,
        business_date=business_date(at, offices.timezone),
        kind=kind,
        reason=reason,
        line_id=office.line_for(kind, reason).id,
    )


def office_with(offices: OfficeDirectory, office_id: str, waiting: int, now: datetime) -> OfficeQueue:
    """`waiting` check-ins over the hour before `now` (the bench's offices take drop-ins from 08:00),
    and the office's past days of the weekday."""
    office = offices.office(office_id)
    assert office is not None
    state = OfficeQueue(office_id=office_id)
    for n in range(waiting):
        at = now - timedelta(seconds=3600 * (waiting - n) / waiting)
        state = fold(
            state,
            check_in(state, office, arrival(offices, office_id, n, at), at, offices.timezone),
            offices.timezone,
        )
    # a busy office has had this weekday before: its forecast expects the rates of its past days, here
    # each drop-in line's configured one (to the whole visitor) over the window's part of each hour,
    # so it plays as before it had any
    configured = arrival_rates(OfficeQueue(office_id=office_id), office, now, offices.timezone)
    window = office_hours(office, now, offices.timezone).drop_in_today
    hours = {
        flow.line_id: {hour: round(flow.later[-1][1] * open_s) for hour, open_s in _open_s(window).items()}
        for flow in configured
    }
    past = state.history
    for _ in range(HISTORY_DAYS):
        past = folded(past, business_date(now, offices.timezone), hours)
    return state.model_copy(update={"history": past})


def _open_s(spans: tuple[Span, ...]) -> dict[int, int]:
    """Each hour of the day's seconds within `spans`."""
    result: dict[int, int] = {}
    for span in spans:
        start, end = (
            span.start.hour * 3600 + span.start.minute * 60,
            span.end.hour * 3600 + span.end.minute * 60,
        )
        for hour in range(start // 3600, (end - 1) // 3600 + 1):
            result[hour] = result.get(hour, 0) + min(end, (hour + 1) * 3600) - max(start, hour * 3600)
    return result


async def run_waiting(offices: OfficeDirectory, ids: list[str], waiting: int, check_ins: int) -> float:
    """CPU per check-in into offices with `waiting` visitors waiting (the first of each office untimed)."""
    now = working_morning([])
    states = {
        office_id: orjson.loads(office_with(offices, office_id, waiting, now).model_dump_json())
        for office_id in ids
    }
    handlers = QueueHandlers(
        offices=offices, clock=FixedClock(now), outbox=OfflineOutbox(), states=states, results={}
    )
    arrivals = [arrival(offices, office_id, waiting + n, now) for n in range(check_ins) for office_id in ids]
    for event in arrivals[: len(ids)]:
        await handlers.handle_batch([event])
    started = time.process_time()
    for event in arrivals[len(ids) :]:
        await handlers.handle_batch([event])
    return (time.process_time() - started) * 1000 / (len(arrivals) - len(ids))


async def run_once(offices: OfficeDirectory, ids: list[str], per_office: int) -> float:
    now = working_morning([])
    clock = FixedClock(now)
    handlers = QueueHandlers(offices=offices, clock=clock, outbox=OfflineOutbox(), states={}, results={})
    arrivals = [arrival(offices, office_id, n, now) for n in range(per_office) for office_id in ids]
    started = time.process_time()
    for event in arrivals:
        await handlers.handle_batch([event])
    return (time.process_time() - started) * 1000 / len(arrivals)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-office", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--waiting", type=int, nargs="*", help="offices with so many waiting (30 120 300)")
    parser.add_argument("--offices", type=int, default=25, help="with --waiting: how many offices")
    parser.add_argument(
        "--check-ins", type=int, default=9, help="with --waiting: per office, the first untimed"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        offices = load_offices(write_country(Path(directory) / "offices.yaml"))
    if not args.waiting:
        ids = office_ids()
        runs = [asyncio.run(run_once(offices, ids, args.per_office)) for _ in range(args.repeat)]
        print(f"ms per check-in: {_summary(runs)}")
        return
    ids = office_ids(args.offices)
    result = {}
    for waiting in args.waiting:
        runs = [asyncio.run(run_waiting(offices, ids, waiting, args.check_ins)) for _ in range(args.repeat)]
        result[str(waiting)] = {
            "median_ms": round(statistics.median(runs), 3),
            "runs_ms": [round(r, 3) for r in runs],
        }
        print(f"{waiting} waiting, ms per check-in: {_summary(runs)}", flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_bytes(orjson.dumps({"waiting": result}, option=orjson.OPT_INDENT_2))


def _summary(runs: list[float]) -> str:
    return f"{statistics.median(runs):.3f} (runs: {', '.join(f'{r:.3f}' for r in runs)})"


if __name__ == "__main__":
    main()
