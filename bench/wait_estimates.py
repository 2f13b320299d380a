"""How wrong are the wait estimates? Plays a simulated NAV Halden day on the real system and compares
each visitor's estimated wait (given at check-in) with the wait they actually had (until first called).

    .venv/bin/python bench/wait_estimates.py [--speed 120] [--office halden]

Writes bench/results/wait_estimates.json. A report, not a test: nothing here fails on a number.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from visitflow_devstack.stack import running
from visitflow_devstack.testing import System
from visitflow_events import UndecodableMessage, VisitorCalled, VisitorQueued, decode
from visitflow_offices import OSLO
from visitflow_simulator.__main__ import simulate

RESULTS = Path(__file__).parent / "results" / "wait_estimates.json"


def errors(values: list[bytes], office: str) -> dict[str, Any]:
    queued: dict[str, VisitorQueued] = {}
    called: dict[str, VisitorCalled] = {}
    for value in values:
        try:
            event = decode(value)
        except UndecodableMessage:
            continue
        if event.office_id != office:
            continue
        if isinstance(event, VisitorQueued):
            queued[str(event.visit_id)] = event
        elif isinstance(event, VisitorCalled) and event.call_number == 1:
            called.setdefault(str(event.visit_id), event)
    by_line: dict[str, list[tuple[float, float]]] = {}
    for visit_id, event in queued.items():
        if visit_id in called:
            actual = (called[visit_id].occurred_at - event.checked_in_at).total_seconds() / 60
            by_line.setdefault(event.line_id, []).append((event.estimated_wait_s / 60, actual))

    def summary(pairs: list[tuple[float, float]]) -> dict[str, float]:
        misses = [estimate - actual for estimate, actual in pairs]
        return {
            "visits": len(pairs),
            "mean_actual_min": round(statistics.fmean(a for _, a in pairs), 1),
            "mean_estimate_min": round(statistics.fmean(e for e, _ in pairs), 1),
            "mean_abs_error_min": round(statistics.fmean(abs(m) for m in misses), 1),
            "median_abs_error_min": round(statistics.median(abs(m) for m in misses), 1),
            "bias_min": round(statistics.fmean(misses), 1),
        }

    every = [pair for pairs in by_line.values() for pair in pairs]
    return {"all": summary(every), **{line: summary(pairs) for line, pairs in sorted(by_line.items())}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--speed", type=float, default=120)
    parser.add_argument("--office", default="halden")
    args = parser.parse_args()
    start = datetime(2026, 11, 23, 8, 0, tzinfo=OSLO)  # a Monday
    env = {
        "VISITFLOW_CLOCK_START": start.isoformat(),
        "VISITFLOW_CLOCK_SPEED": str(args.speed),
        "VISITFLOW_CLOCK_EPOCH": f"{time.time():.3f}",
    }
    with running("bench", env, fresh=True) as stack:
        system = System(stack)
        day_s = 9 * 3600 / args.speed  # 08:00 to 17:00 simulated
        namespace = argparse.Namespace(
            checkin_url=stack.url("checkin"),
            queue_url=stack.url("queue"),
            office=args.office,
            region=None,
            scale=1.0,
            seed=0,
            days=1,
            token=None,
            duration=day_s,
        )
        os.environ.update(stack.env())
        tallies = asyncio.run(simulate(namespace))
        result = {
            "office": args.office,
            "speed": args.speed,
            "simulator": tallies,
            "errors": errors(system.read_topic(system.topics.visits), args.office),
        }
        system.close()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
