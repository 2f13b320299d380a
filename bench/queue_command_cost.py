"""What the queue worker's use case costs per host command, without Kafka or Redis: `QueueHandlers` with
plain dicts as tables and the outbox of `bench.queue_batch_cost` (the real one's encoding, frames and
answers, written nowhere). The bench's country of 250 offices (80 rooms each), `--per-office`
visitors waiting in each (the suite's check-ins leave about 28), then call-next in every office:

- alone: one call per batch, as calls at 25 a second arrive (the call-next scenario);
- at once: a call in every office in one batch, as the fan-out scenario's call in every office
  reaches a worker that has fallen behind.

Pure process, no system: CPU time per call on this machine, steady enough to compare changes between
runs on a loaded machine, which the system-wide figures are not.

    .venv/bin/python -m bench.queue_command_cost [--per-office 28] [--repeat 3]

Prints the median and the least of the repeats (ms per call; on a busy machine the least is the
steadier). A report, not a test: nothing fails on a number.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from uuid import uuid4

from visitflow_events import CallNext, new_envelope, office_day_correlation
from visitflow_offices import FixedClock, OfficeDirectory, business_date, load_offices
from visitflow_queue.handlers.visit_events import QueueHandlers

from bench.country import office_ids, working_morning, write_country
from bench.queue_batch_cost import OfflineOutbox, arrival


def call_next(offices: OfficeDirectory, office_id: str, room_id: str, clock: FixedClock) -> CallNext:
    now = clock.now()
    return CallNext(
        **new_envelope(
            command_id=uuid4(),
            occurred_at=now,
            office_id=office_id,
            correlation_id=office_day_correlation(office_id, business_date(now, offices.timezone)),
            producer="bench",
        ),
        room_id=room_id,
    )


async def run_once(offices: OfficeDirectory, ids: list[str], per_office: int) -> tuple[float, float]:
    """ms per call: alone (one per batch), then at once (one batch of a call in every office)."""
    clock = FixedClock(working_morning([]))
    handlers = QueueHandlers(offices=offices, clock=clock, outbox=OfflineOutbox(), states={}, results={})
    for office_id in ids:
        await handlers.handle_batch([arrival(offices, office_id, n, clock.now()) for n in range(per_office)])
    alone = [call_next(offices, office_id, "rom-01", clock) for office_id in ids]
    started = time.process_time()
    for command in alone:
        await handlers.handle_batch([command])
    alone_ms = (time.process_time() - started) * 1000 / len(alone)
    at_once = [call_next(offices, office_id, "rom-02", clock) for office_id in ids]
    started = time.process_time()
    await handlers.handle_batch(at_once)
    return alone_ms, (time.process_time() - started) * 1000 / len(at_once)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-office", type=int, default=28)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        offices = load_offices(write_country(Path(directory) / "offices.yaml"))
    ids = office_ids()
    runs = [asyncio.run(run_once(offices, ids, args.per_office)) for _ in range(args.repeat)]
    for name, figures in (("alone", [r[0] for r in runs]), ("at once", [r[1] for r in runs])):
        print(
            f"ms per call, {name}: median {statistics.median(figures):.3f}, least {min(figures):.3f} "
            f"(runs: {', '.join(f'{f:.3f}' for f in figures)})"
        )


if __name__ == "__main__":
    main()
