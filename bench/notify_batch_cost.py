"""What the notify worker's use case costs per check-in, without Kafka or Redis: `NotifyHandlers` with
plain dicts under its tables (`ParsedTable`; each value encoded as its changelog record is), and the
real live feeds over a Redis client that takes the frames and sends them nowhere (every display,
counsellor and visitor frame is built as in the worker). The load is the efficiency scenario's per
check-in (a `VisitorCheckedIn` and its `VisitorQueued` in one batch, an office rarely twice in a
batch), in offices whose day already holds `--visits` visits: each checked in, queued, called and
served, as an afternoon's day is. Pure process: the figure is the CPU time per check-in on this
machine, steady enough to compare changes to the domain and the handlers between runs on a loaded
machine.

    .venv/bin/python -m bench.notify_batch_cost [--visits 0 50 300] [--offices 50] [--repeat 3]

Prints the median of the repeats (ms per check-in) per day size. A report, not a test.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta

from visitflow_events import (
    Message,
    NotificationFailed,
    NotificationRequested,
    NotificationSent,
)
from visitflow_notify.adapters.live_feeds import LiveFeeds
from visitflow_notify.domain import Audience, Board
from visitflow_notify.handlers import NotifyHandlers
from visitflow_offices import FixedClock, OfficeDirectory
from visitflow_platform.tables import ParsedTable

from bench.country import working_morning
from bench.offline import ChangelogDict, NowhereRedis, by_day_size, day_so_far, next_check_ins


class NowhereNotifications:
    async def record(self, messages: Sequence[Message]) -> None:
        return None


class NoSender:
    async def deliver(self, request: NotificationRequested) -> NotificationSent | NotificationFailed | None:
        return None


async def run_once(offices: OfficeDirectory, ids: list[str], visits: int, timed: int) -> float:
    start = working_morning([])
    clock = FixedClock(start)
    handlers = NotifyHandlers(
        offices,
        clock,
        ParsedTable(ChangelogDict(), Board, lambda office_id: Board(office_id=office_id)),
        ParsedTable(ChangelogDict(), Audience, lambda office_id: Audience(office_id=office_id)),
        LiveFeeds(NowhereRedis()),
        NowhereNotifications(),
        NoSender(),
        display_calls=8,
        display_linger=timedelta(minutes=2),
    )
    for batch in day_so_far(offices, ids, visits, start):  # not timed
        await handlers.handle_visit_events(batch)
    clock.current, arrivals = next_check_ins(offices, ids, visits, timed, start)
    started = time.process_time()
    for batch in arrivals:
        await handlers.handle_visit_events(batch)
    return (time.process_time() - started) * 1000 / len(arrivals)


def main() -> None:
    by_day_size(run_once, [0, 50, 300])


if __name__ == "__main__":
    main()
