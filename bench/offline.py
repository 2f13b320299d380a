"""What the use-case cost benchmarks (`metrics_batch_cost`, `notify_batch_cost`) run on instead of the
system: the visit events of a bench office's day, as the queue worker writes them on the visits topic,
and a Kafka topic and a Redis client that take what they are given and send it nowhere."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from collections.abc import Callable, Coroutine, Iterator
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
from visitflow_offices import OfficeDirectory, business_date, load_offices
from visitflow_platform.tables import table_codec

from bench.country import DROP_IN_MIX as MIX
from bench.country import office_ids, write_country


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


def served(queued: VisitorQueued, at: datetime, room_id: str = "room-1") -> list[Message]:
    """A queued visit called and served."""
    common = {"visit_id": queued.visit_id, "business_date": queued.business_date, "ticket": queued.ticket}
    return [
        VisitorCalled(
            **_envelope(queued.office_id, at, queued.visit_id),
            **common,
            line_id=queued.line_id,
            room_id=room_id,
            call_number=1,
        ),
        ServiceCompleted(
            **_envelope(queued.office_id, at + timedelta(minutes=10), queued.visit_id),
            **common,
            room_id=room_id,
            outcome=Outcome.SERVED,
        ),
    ]


CHECK_IN_EVERY = timedelta(seconds=20)  # per office, in a day played offline


def day_so_far(
    offices: OfficeDirectory, ids: list[str], visits: int, start: datetime
) -> Iterator[list[Message]]:
    """The day up to now in each office: `visits` check-ins, one every `CHECK_IN_EVERY`, each served
    five minutes later; a batch per check-in and its service."""
    for n in range(visits):
        at = start + CHECK_IN_EVERY * n
        for office_id in ids:
            arrived = check_in(offices, office_id, n, at)
            queued = arrived[1]
            assert isinstance(queued, VisitorQueued)
            yield [*arrived, *served(queued, at + timedelta(minutes=5))]


def next_check_ins(
    offices: OfficeDirectory, ids: list[str], visits: int, timed: int, start: datetime
) -> tuple[datetime, list[list[Message]]]:
    """After `day_so_far`: the moment, and `timed` check-ins in each office at it, a batch each."""
    later = start + CHECK_IN_EVERY * visits
    return later, [check_in(offices, office_id, visits + n, later) for n in range(timed) for office_id in ids]


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


class ChangelogDict(dict[str, Any]):
    """A plain dict as a worker table, that encodes each value as the table's changelog record is
    encoded (`table_codec`: JSON, then compressed), so the benchmark counts that too."""

    def __init__(self) -> None:
        super().__init__()
        self._codec = table_codec()

    def __setitem__(self, key: str, value: Any) -> None:
        self._codec.dumps(value)
        super().__setitem__(key, value)


def by_day_size(
    run_once: Callable[[OfficeDirectory, list[str], int, int], Coroutine[Any, Any, float]], visits: list[int]
) -> None:
    """A worker's use-case benchmark's command line: `run_once` (ms per check-in, in the bench's offices
    whose day already holds so many visits) for each day size, its median of the repeats printed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, nargs="+", default=visits)
    parser.add_argument("--offices", type=int, default=50)
    parser.add_argument("--timed", type=int, default=20, help="check-ins timed per office")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        offices = load_offices(write_country(Path(directory) / "offices.yaml"))
    ids = office_ids()[: args.offices]
    for size in args.visits:
        runs = [asyncio.run(run_once(offices, ids, size, args.timed)) for _ in range(args.repeat)]
        print(
            f"{size} visits a day: ms per check-in: {statistics.median(runs):.3f} "
            f"(runs: {', '.join(f'{r:.3f}' for r in runs)})"
        )
