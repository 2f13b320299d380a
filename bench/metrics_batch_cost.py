"""What the metrics worker's use case costs per check-in, without Kafka or Redis: `MetricsHandlers` with a
plain dict under its table (`ParsedTable`, so the table's dump is counted, and each value encoded as
its changelog record is), and the real history and read-model adapters over a topic and a Redis
pipeline that take what they are given and send it nowhere (the summaries' JSON, the counters and the
live frame are built as in the worker). The load is the
efficiency scenario's per check-in (a `VisitorCheckedIn` and its `VisitorQueued`, an office rarely twice
in a batch), in offices whose day already holds `--visits` visits: each checked in, queued, called and
served, as an afternoon's day is. Pure process: the figure is the CPU time per check-in on this machine,
steady enough to compare changes to the domain and the handlers between runs on a loaded machine.

    .venv/bin/python -m bench.metrics_batch_cost [--visits 50 300] [--offices 50] [--repeat 3]

Prints the median of the repeats (ms per check-in) per day size. A report, not a test.
"""

from __future__ import annotations

import time

from visitflow_metrics.adapters.history import HistoryTopic
from visitflow_metrics.adapters.store import SummaryStore
from visitflow_metrics.domain import OfficeDays
from visitflow_metrics.handlers import MetricsHandlers
from visitflow_offices import OfficeDirectory
from visitflow_platform.tables import ParsedTable

from bench.country import working_morning
from bench.offline import ChangelogDict, NowhereRedis, NowhereTopic, by_day_size, day_so_far, next_check_ins


async def run_once(offices: OfficeDirectory, ids: list[str], visits: int, timed: int) -> float:
    days = ParsedTable[OfficeDays](ChangelogDict(), OfficeDays, lambda _: OfficeDays())
    handlers = MetricsHandlers(offices, days, SummaryStore(NowhereRedis()), HistoryTopic(NowhereTopic()))  # type: ignore[arg-type]
    start = working_morning([])
    for batch in day_so_far(offices, ids, visits, start):  # not timed
        await handlers.handle_batch(batch)
    _, arrivals = next_check_ins(offices, ids, visits, timed, start)
    started = time.process_time()
    for batch in arrivals:
        await handlers.handle_batch(batch)
    return (time.process_time() - started) * 1000 / len(arrivals)


def main() -> None:
    by_day_size(run_once, [50, 300])


if __name__ == "__main__":
    main()
