"""The queue API's CPU per host command (call-next), for variants of its code side by side.

    .venv/bin/python -m bench.queue_api_cost [--rate 25] [--calls 500] [--rounds 3] NAME=SOURCES ...

The bench's system (`harness.country_stack`) is started once and given visitors to call (check-ins at
50 a second for `--check-ins` in all); then, round after round, each variant's queue API is started in
turn on the queue port (its `SOURCES`, a PYTHONPATH such as
`/tmp/old/services/queue/src:/tmp/old/libs/platform/src`, put first; `NAME=` alone for the checkout's
code), warmed with 50 calls, sent `calls` call-next requests at `rate` a second over the offices (each
a fresh Idempotency-Key, to rooms in turn: called, or refused `room_busy`/`nobody_waiting` once the
office's rooms or visitors run out, which the API handles alike), and its process's CPU time (all its
threads, from /proc) divided by the requests. The rest of the system stays up, and the variants take
turns within a minute of each other, so a change in the machine's load falls on both alike over the
rounds. Prints one line per run and each variant's median.
"""

from __future__ import annotations

import asyncio
import collections
import sys
import time
from collections.abc import Awaitable

import aiohttp
from visitflow_devstack.processes import Child

from . import variants as side_by_side
from .harness import Bench, _cpu_s, _tree

QUEUE_API = "queue-api"


async def _calls(bench: Bench, rate: float, count: int) -> collections.Counter[int]:
    start = time.perf_counter()
    tasks = []
    for number in range(count):
        if (delay := start + number / rate - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        office_id = bench.offices[number % len(bench.offices)]
        room = (
            bench.next_room() if number % len(bench.offices) == 0 else f"rom-{(number // 250) % 80 + 1:02d}"
        )
        tasks.append(asyncio.create_task(bench.call_next(office_id, room, must_answer=False)))
    return collections.Counter(call.status for call in await asyncio.gather(*tasks))


async def _measure(bench: Bench, child: Child, rate: float, calls: int) -> tuple[float, str]:
    await bench.http.close()  # its connections were to the API run before
    bench.http = aiohttp.ClientSession(
        headers=bench.headers,
        connector=aiohttp.TCPConnector(limit=400),
        timeout=aiohttp.ClientTimeout(total=30),
    )
    await _calls(bench, rate, 50)  # warm: connections, the producer's metadata, the reply channel
    assert child.pid is not None
    before = sum(_cpu_s(pid) for pid in _tree(child.pid))
    statuses = await _calls(bench, rate, calls)
    after = sum(_cpu_s(pid) for pid in _tree(child.pid))
    return (after - before) * 1000 / calls, f"call-next {dict(statuses)}"


def main() -> int:
    parser = side_by_side.arguments("python -m bench.queue_api_cost", __doc__)
    parser.add_argument("--rate", type=float, default=25.0)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--check-ins", type=int, default=1000)
    args = parser.parse_args()
    variants = side_by_side.parse(args.variants)

    def measure(bench: Bench, child: Child) -> Awaitable[tuple[float, str]]:
        return _measure(bench, child, args.rate, args.calls)

    def some_waiting(bench: Bench) -> Awaitable[object]:
        return bench.steady_load(50.0, args.check_ins / 50.0)

    return asyncio.run(
        side_by_side.take_turns(variants, args.rounds, QUEUE_API, "queue", measure, some_waiting)
    )


if __name__ == "__main__":
    sys.exit(main())
