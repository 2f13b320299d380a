"""What the wait estimator costs: `forecast` (every batch that changes an office, and its check-in
answers) and `staffing` (the office lead's hint, made again every few minutes off the batches) for an
office with 30, 120 and 300 visitors waiting. Pure domain, no system: the figure is the CPU time of one
call on this machine.

    .venv/bin/python bench/estimator_cost.py [--repeat 20]

Writes bench/results/estimator_cost.json: per size, the median and the slowest of the repeats (ms).
A report, not a test: nothing here fails on a number.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from uuid import uuid4

import orjson
from visitflow_events import Reason, VisitKind, VisitorCheckedIn, new_envelope, visit_correlation
from visitflow_offices import Office, load_offices
from visitflow_platform.settings import DEFAULT_OFFICES_FILE
from visitflow_queue.domain import OfficeQueue, check_in, fold
from visitflow_queue.domain.estimates import forecast, staffing

RESULTS = Path(__file__).parent / "results" / "estimator_cost.json"
NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # a Monday, 12:00 in Halden: drop-in is open
SIZES = (30, 120, 300)
# the waiting room's mix: mostly drop-ins, some self-service, appointments and an emergency now and then
MIX = [
    (VisitKind.DROP_IN, Reason.CASE_STATUS),
    (VisitKind.DROP_IN, Reason.DELIVER_DOCUMENTS),
    (VisitKind.DROP_IN, Reason.BENEFIT_QUESTION),
    (VisitKind.DROP_IN, Reason.SELF_SERVICE_HELP),
    (VisitKind.DROP_IN, Reason.JOB_SEEKING),
    (VisitKind.APPOINTMENT, Reason.COUNSELLOR_APPOINTMENT),
    (VisitKind.DROP_IN, Reason.CASE_STATUS),
    (VisitKind.DROP_IN, Reason.SOCIAL_ASSISTANCE),
    (VisitKind.DROP_IN, Reason.OTHER),
    (VisitKind.EMERGENCY, Reason.EMERGENCY_ASSISTANCE),
]


def office_with(office: Office, waiting: int) -> OfficeQueue:
    """`waiting` visitors checked in over the last hours, in the office's mix of lines."""
    state = OfficeQueue(office_id=office.id)
    for n in range(waiting):
        kind, reason = MIX[n % len(MIX)]
        at = NOW - timedelta(minutes=waiting - n)
        visit_id = uuid4()
        event = VisitorCheckedIn(
            **new_envelope(
                event_id=uuid4(),
                occurred_at=at,
                office_id=office.id,
                correlation_id=visit_correlation(visit_id),
                producer="bench",
            ),
            visit_id=visit_id,
            business_date=date(2026, 11, 23),
            kind=kind,
            reason=reason,
            line_id=office.line_for(kind, reason).id,
        )
        state = fold(state, check_in(state, office, event, at))
    return state


def timed(call: Callable[[], object], repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        started = time.process_time()
        call()
        samples.append((time.process_time() - started) * 1000)
    return {"median_ms": round(statistics.median(samples), 2), "max_ms": round(max(samples), 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    office = load_offices(DEFAULT_OFFICES_FILE).offices["halden"]
    result = {}
    for size in SIZES:
        state = office_with(office, size)
        result[str(size)] = {
            "forecast": timed(partial(forecast, state, office, NOW), args.repeat),
            "staffing": timed(partial(staffing, state, office, NOW), max(3, args.repeat // 4)),
        }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_bytes(orjson.dumps({"waiting": result}, option=orjson.OPT_INDENT_2))
    print(orjson.dumps({"waiting": result}, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
