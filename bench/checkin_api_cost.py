"""The check-in API's CPU per check-in, for variants of its code side by side.

    .venv/bin/python -m bench.checkin_api_cost [--rate 150] [--seconds 20] [--rounds 3] NAME=SOURCES ...

The bench's system (`harness.country_stack`) is started once; then, round after round, each variant's
check-in API is started in turn on the check-in port (its `SOURCES`, a PYTHONPATH such as
`/tmp/old/services/checkin/src:/tmp/old/libs/platform/src`, put first; `NAME=` alone for the checkout's
code), warmed for three seconds, sent check-ins at `rate` a second for `seconds`, and its process's
CPU time (all its threads, from /proc) divided by the check-ins sent. The rest of the system stays up
and warm, and the variants take turns within a minute of each other, so a change in the machine's
load falls on both alike over the rounds; each run takes under a minute where the efficiency scenario
starts the whole system for each. Prints one line per run and each variant's median.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable

from visitflow_devstack.processes import Child

from . import variants as side_by_side
from .harness import Bench, _cpu_s, _tree

CHECKIN_API = "checkin-api"


async def _measure(bench: Bench, child: Child, rate: float, seconds: float) -> tuple[float, str]:
    await bench.steady_load(rate, 3.0)  # warm: connections, caches, the producer's metadata
    assert child.pid is not None
    before = sum(_cpu_s(pid) for pid in _tree(child.pid))
    records = await bench.steady_load(rate, seconds)
    after = sum(_cpu_s(pid) for pid in _tree(child.pid))
    answered = sum(r.status in (201, 202) for r in records)
    return (after - before) * 1000 / len(records), f"check-in ({answered} answered)"


def main() -> int:
    parser = side_by_side.arguments("python -m bench.checkin_api_cost", __doc__)
    parser.add_argument("--rate", type=float, default=150.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    variants = side_by_side.parse(args.variants)

    def measure(bench: Bench, child: Child) -> Awaitable[tuple[float, str]]:
        return _measure(bench, child, args.rate, args.seconds)

    return asyncio.run(side_by_side.take_turns(variants, args.rounds, CHECKIN_API, "checkin", measure))


if __name__ == "__main__":
    sys.exit(main())
