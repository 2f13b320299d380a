"""What the queue worker's use case costs per check-in, without Kafka or Redis: `QueueHandlers` with
plain dicts as tables and an outbox that encodes the events and builds the live frames and answers
as the real one does, but writes them nowhere. The load is the efficiency scenario's: the bench's
country of 250 offices (80 rooms each), check-ins round-robin over the offices, one per batch (at
200 a second over 250 offices an office rarely has two in a batch), each office's list growing from
empty to `--per-office` waiting, as in the scenario's 30 s. Pure process, no system: the figure is
the CPU time per check-in on this machine, steady enough to compare changes to the domain and the
handlers between runs on a loaded machine, which the system-wide figure is not.

    .venv/bin/python bench/queue_batch_cost.py [--per-office 24] [--repeat 3]

Prints the median of the repeats (ms per check-in). A report, not a test: nothing fails on a number.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import datetime
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
from visitflow_platform.live import Outgoing, office_frames
from visitflow_queue.adapters.frames import frame, snapshot_frame
from visitflow_queue.domain.changes import Shown
from visitflow_queue.domain.changes import changes as view_changes
from visitflow_queue.handlers.visit_events import QueueHandlers

from bench.country import DROP_IN_MIX as MIX
from bench.country import office_ids, working_morning, write_country


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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        offices = load_offices(write_country(Path(directory) / "offices.yaml"))
    ids = office_ids()
    runs = [asyncio.run(run_once(offices, ids, args.per_office)) for _ in range(args.repeat)]
    print(f"ms per check-in: {statistics.median(runs):.3f} (runs: {', '.join(f'{r:.3f}' for r in runs)})")


if __name__ == "__main__":
    main()
