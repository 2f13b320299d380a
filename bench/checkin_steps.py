"""What two steps of a check-in cost the check-in API in CPU: the visitor link's QR code, and counting
the request against the rate limit while claiming its record (the one script, against the rate limit's
own round trip and a SET NX). The QR code is pure; the Redis steps need a Redis (`--redis`, default a
local one on port 6379, or a socket: `redis-server --port 0 --unixsocket /tmp/bench.sock --save ''`
and `--redis unix:///tmp/bench.sock`); the keys they write are removed again.

    .venv/bin/python bench/checkin_steps.py [--repeat 7] [--redis redis://127.0.0.1:6379/0]

Writes bench/results/checkin_steps.json: per step, the median and the slowest of the repeats (ms of
CPU per call, each repeat the mean of `--calls` calls). A report, not a test: nothing fails on a number.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
import redis.asyncio as aioredis
from visitflow_checkin.idempotency import IdempotencyStore
from visitflow_checkin.links import visit_link
from visitflow_platform.access import Role
from visitflow_platform.auth import Principal
from visitflow_platform.ratelimit import RateLimit
from visitflow_platform.visit_links import new_token

RESULTS = Path(__file__).parent / "results" / "checkin_steps.json"
BASE_URL = "https://visitflow.nav.no"  # a link's address as long as production's
SECRET = "bench-secret-" + "x" * 20
WHO = Principal("bench-tablet", Role.HOST, frozenset({"halden"}))


def cpu_ms(call: Callable[[], Any], calls: int, repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(calls):
            call()
        runs.append((time.process_time() - start) * 1000 / calls)
    return {"median_ms": round(statistics.median(runs), 3), "slowest_ms": round(max(runs), 3)}


async def async_cpu_ms(call: Callable[[], Awaitable[Any]], calls: int, repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(calls):
            await call()
        runs.append((time.process_time() - start) * 1000 / calls)
    return {"median_ms": round(statistics.median(runs), 3), "slowest_ms": round(max(runs), 3)}


def qr_steps(calls: int, repeat: int) -> dict[str, Any]:
    return {"qr_code": cpu_ms(lambda: visit_link(BASE_URL, new_token()), calls, repeat)}


async def redis_steps(url: str, calls: int, repeat: int) -> dict[str, Any]:
    redis = aioredis.Redis.from_url(url)
    limit = RateLimit(redis, "bench", 10**9, SECRET)
    store = IdempotencyStore(redis, SECRET, limit, in_flight_s=60)
    record = orjson.dumps({"office_id": "halden", "fingerprint": "f" * 64})

    async def script_claim() -> None:
        async with store.claim(uuid.uuid4(), "halden", "f" * 64, WHO):
            pass  # no answer kept: the claim is removed, as a refused check-in's

    async def separate() -> None:
        await limit.check(WHO, "halden")
        key = f"vf:bench:claim:{uuid.uuid4()}"
        await redis.set(key, record, nx=True, ex=60)
        await redis.delete(key)

    try:
        return {
            "count_and_claim_one_script": await async_cpu_ms(script_claim, calls, repeat),
            "rate_limit_then_set_nx": await async_cpu_ms(separate, calls, repeat),
        }
    finally:
        keys = [k async for k in redis.scan_iter("vf:rate:bench:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    results: dict[str, Any] = qr_steps(args.calls, args.repeat)
    results |= asyncio.run(redis_steps(args.redis, args.calls * 10, args.repeat))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    print(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
