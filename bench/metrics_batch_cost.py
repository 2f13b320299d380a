"""What the metrics worker's use case costs per check-in, without Kafka or Redis: `MetricsHandlers` with a
plain dict under its table (`ParsedTable`, so the table's dump is counted), and the real history and
read-model adapters over a topic and a Redis pipeline that take what they are given and send it nowhere
(the summaries' JSON, the counters and the live frame are built as in the worker). The load is the
efficiency scenario's per check-in (a `VisitorCheckedIn` and its `VisitorQueued`, an office rarely twice
in a batch), in offices whose day already holds `--visits` visits: each checked in, queued, called and
served, as an afternoon's day is. Pure process: the figure is the CPU time per check-in on this machine,
steady enough to compare changes to the domain and the handlers between runs on a loaded machine.

    .venv/bin/python -m bench.metrics_batch_cost [--visits 50 300] [--offices 50] [--repeat 3]

Prints the median of the repeats (ms per check-in) per day size. A report, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from visitflow_events import (
    Message,
    Outcome,
    ServiceCompleted,
    VisitorCalled,
    VisitorCheckedIn,
    VisitorQueued,
    new_envelope,
    visit_correlation,
)
from visitflow_metrics.adapters.history import HistoryTopic
from visitflow_metrics.adapters.store import SummaryStore
from visitflow_metrics.domain import OfficeDays
from visitflow_metrics.handlers import MetricsHandlers
from visitflow_offices import OfficeDirectory, business_date, load_offices
from visitflow_platform.tables import ParsedTable

from bench.country import DROP_IN_MIX as MIX
from bench.country import office_ids, working_morning, write_country


class Sent:
    def __await__(self) -> Any:
        return iter(())


class NowhereTopic:
    """The history topic's `send`, acknowledged at once."""

    async def send(self, *, key: bytes, value: bytes) -> Sent:
        return Sent()


class NowherePipeline:
    async def __aenter__(self) -> NowherePipeline:
        self._calls = 0
        return self

    async def __aexit__(self, *_: object) -> None:
        return None

    def eval(self, *_: object) -> None:
        self._calls += 1

    async def execute(self) -> list[int]:
        return [1] * self._calls


class NowhereRedis:
    def pipeline(self, transaction: bool = True) -> NowherePipeline:
        return NowherePipeline()


def _envelope(office_id: str, at: datetime, visit_id: UUID) -> dict[str, Any]:
    return new_envelope(
        event_id=uuid4(),
        occurred_at=at,
        office_id=office_id,
        correlation_id=visit_correlation(visit_id),
        producer="bench",
    )


def check_in(offices: OfficeDirectory, office_id: str, n: int, at: datetime) -> list[Message]:
    """A check-in's two events on the visits topic: the arrival and its place in the queue."""
    office = offices.office(office_id)
    assert office is not None
    kind, reason = MIX[n % len(MIX)]
    line_id = office.line_for(kind, reason).id
    visit_id = uuid4()
    day = business_date(at, offices.timezone)
    return [
        VisitorCheckedIn(
            **_envelope(office_id, at, visit_id),
            visit_id=visit_id,
            business_date=day,
            kind=kind,
            reason=reason,
            line_id=line_id,
        ),
        VisitorQueued(
            **_envelope(office_id, at, visit_id),
            visit_id=visit_id,
            business_date=day,
            ticket=f"A-{n % 1000:03d}",
            kind=kind,
            reason=reason,
            line_id=line_id,
            checked_in_at=at,
            position=1,
            estimated_wait_s=300,
        ),
    ]


def served(queued: VisitorQueued, at: datetime) -> list[Message]:
    """A queued visit called and served."""
    common = {"visit_id": queued.visit_id, "business_date": queued.business_date, "ticket": queued.ticket}
    room = "room-1"
    return [
        VisitorCalled(
            **_envelope(queued.office_id, at, queued.visit_id),
            **common,
            line_id=queued.line_id,
            room_id=room,
            call_number=1,
        ),
        ServiceCompleted(
            **_envelope(queued.office_id, at + timedelta(minutes=10), queued.visit_id),
            **common,
            room_id=room,
            outcome=Outcome.SERVED,
        ),
    ]


async def run_once(offices: OfficeDirectory, ids: list[str], visits: int, timed: int) -> float:
    days = ParsedTable[OfficeDays]({}, OfficeDays, lambda _: OfficeDays())
    handlers = MetricsHandlers(offices, days, SummaryStore(NowhereRedis()), HistoryTopic(NowhereTopic()))  # type: ignore[arg-type]
    start = working_morning([])
    for n in range(visits):  # the day so far, not timed
        at = start + timedelta(seconds=20 * n)
        for office_id in ids:
            arrived = check_in(offices, office_id, n, at)
            queued = arrived[1]
            assert isinstance(queued, VisitorQueued)
            await handlers.handle_batch([*arrived, *served(queued, at + timedelta(minutes=5))])
    later = start + timedelta(seconds=20 * visits)
    arrivals = [check_in(offices, office_id, visits + n, later) for n in range(timed) for office_id in ids]
    started = time.process_time()
    for batch in arrivals:
        await handlers.handle_batch(batch)
    return (time.process_time() - started) * 1000 / len(arrivals)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, nargs="+", default=[50, 300])
    parser.add_argument("--offices", type=int, default=50)
    parser.add_argument("--timed", type=int, default=20, help="check-ins timed per office")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        offices = load_offices(write_country(Path(directory) / "offices.yaml"))
    ids = office_ids()[: args.offices]
    for visits in args.visits:
        runs = [asyncio.run(run_once(offices, ids, visits, args.timed)) for _ in range(args.repeat)]
        print(
            f"{visits} visits a day: ms per check-in: {statistics.median(runs):.3f} "
            f"(runs: {', '.join(f'{r:.3f}' for r in runs)})"
        )


if __name__ == "__main__":
    main()
