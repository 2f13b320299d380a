"""make bench: the benchmark suite against the whole system, started as `make run` starts it.

    .venv/bin/python -m bench [--quick] [--only call_next|efficiency|fan_out]

Writes bench/results/latest.json and the results section of docs/PERFORMANCE.md. Exits 1 only when the
system lost, duplicated or refused work; a slow figure is reported beside its target, never failed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import orjson
from visitflow_devstack.paths import kafka_libs, root
from visitflow_platform.heap import freeze_startup_objects, keep_survivors_frozen

from .harness import Bench, country_stack
from .report import write_report
from .scenarios import baseline, call_next, checkin_to_screen, fan_out, recovery, throughput

RESULTS = root() / "bench" / "results" / "latest.json"
LIBRARIES = ("faust-streaming", "aiokafka", "kafka-python", "fastapi", "uvicorn", "uvloop", "redis")


def progress(what: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)


async def suite(bench: Bench, quick: bool, results: dict[str, Any]) -> None:
    scale = 0.25 if quick else 1.0
    progress("system ready; idle footprint")
    await asyncio.sleep(5)
    results["footprint"] = {"idle_rss_mb": bench.rss_mb()}
    progress("1. broker round trip")
    results["baseline"] = await asyncio.to_thread(baseline, bench, int(2000 * scale))
    progress("2. check-in to screen at 50/s and 200/s; CPU per check-in at 200/s")
    results["checkin_to_screen"] = [await checkin_to_screen(bench, 50.0, 20 * scale)]
    await efficiency_at_200(bench, scale, results)
    progress("3. call-next")
    if not quick:  # a quick run checks in too few visitors for three calls in every office
        # the first commands on the new broker are reported apart: each commands partition's first
        # index entry costs a first write to a new file's page; the target is judged on the next
        # (docs/decisions/benchmark-suite.md)
        results["call_next_first"] = await call_next(bench, 250)
    results["call_next"] = await call_next(bench, 250)
    progress("5. fan-out")
    results["fan_out"] = [await fan_out(bench, n) for n in ((500, 2000) if quick else (2000, 10_000))]
    peak: dict[str, float] = {}

    async def sample() -> None:
        while True:
            for key, mb in bench.rss_mb().items():
                peak[key] = max(peak.get(key, 0.0), mb)
            await asyncio.sleep(1)

    progress("4. throughput")
    sampler = asyncio.create_task(sample())
    rates = [50.0, 100.0, 150.0, 200.0, 300.0, 400.0, 600.0, 800.0, 1000.0, 1300.0]
    # the scenario's share of the suite's 10 minutes; the others take about 2.5 minutes
    results["throughput"] = await throughput(bench, rates, 15 * scale, 60 * scale, budget_s=400 * scale)
    sampler.cancel()
    results["footprint"]["peak_rss_mb_under_load"] = peak
    progress("6. recovery")
    results["recovery"] = await recovery(bench, int(50_000 * scale))
    progress("audit: every acknowledged check-in on its list once")
    results["lost_or_duplicated"] = await audit(bench)


async def efficiency_at_200(bench: Bench, scale: float, results: dict[str, Any]) -> None:
    """Check-ins at a steady 200/s for 30 s: their screens' figures, and the CPU they cost."""
    steady = await checkin_to_screen(bench, 200.0, 30 * scale)
    results["checkin_to_screen"].append(steady)
    results["efficiency"] = {"rate_per_s": 200.0, "duration_s": 30 * scale, **steady["efficiency"]}


async def efficiency_only(bench: Bench, quick: bool, results: dict[str, Any]) -> None:
    """`--only efficiency`: the system started, idle, then the steady 200/s and the audit."""
    await asyncio.sleep(5)
    results["checkin_to_screen"] = []
    await efficiency_at_200(bench, 0.25 if quick else 1.0, results)
    results["lost_or_duplicated"] = await audit(bench)


async def fan_out_only(bench: Bench, quick: bool, results: dict[str, Any]) -> None:
    """`--only fan_out`: the system started, four visitors checked in per office (the suite's earlier
    scenarios leave more), then the fan-out scenario and the audit."""
    await bench.steady_load(150.0, 4 * len(bench.offices) / 150.0)
    results["fan_out"] = [await fan_out(bench, n) for n in ((500, 2000) if quick else (2000, 10_000))]
    results["lost_or_duplicated"] = await audit(bench)


async def call_next_only(bench: Bench, quick: bool, results: dict[str, Any]) -> None:
    """`--only call_next`: the system started, the suite's check-ins before it (50 a second for 20 s, 200
    a second for 30 s: about 28 visitors waiting per office), then the call-next scenario twice as the
    suite runs it (the new broker's first 250 commands apart) and the audit."""
    scale = 0.25 if quick else 1.0
    await bench.steady_load(50.0, 20 * scale)
    await bench.steady_load(200.0, 30 * scale)
    results["call_next_first"] = await call_next(bench, 250)
    results["call_next"] = await call_next(bench, 250)
    results["lost_or_duplicated"] = await audit(bench)


ONLY = {"call_next": call_next_only, "efficiency": efficiency_only, "fan_out": fan_out_only}


async def audit(bench: Bench) -> int:
    """Every check-in the system acknowledged is on its office's list exactly once, unless the bench
    sent the visitor home, and then on none."""
    on_lists: dict[str, int] = {}
    for office_id in bench.offices:
        url = f"{bench.stack.url('queue')}/api/offices/{office_id}/queue"
        async with bench.http.get(url) as answer:
            board = orjson.loads(await answer.read())
        for section in ("waiting", "called", "in_service"):
            for visit in board.get(section, []):
                on_lists[visit["visit_id"]] = on_lists.get(visit["visit_id"], 0) + 1
    wrong = 0
    for record in bench.checkins:
        if record.visit_id and on_lists.get(record.visit_id, 0) > 1:
            wrong += 1
            bench.problems.append(f"audit: {record.visit_id} is on the list of {record.office_id} twice")
    staying = {record.visit_id for record in bench.checkins if record.visit_id} - bench.left
    missing = [v for v in staying if v not in on_lists]
    if missing:
        bench.problems.append(f"audit: {len(missing)} acknowledged check-ins are on no list: {missing[:3]}")
    not_left = [v for v in bench.left if v in on_lists]
    if not_left:
        bench.problems.append(f"audit: {len(not_left)} cancelled visits are still on a list: {not_left[:3]}")
    return wrong + len(missing) + len(not_left)


def machine() -> dict[str, Any]:
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    redis = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": len(os.sched_getaffinity(0)),
        "memory_gb": round(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30),
        "os": platform.platform(),
        "python": platform.python_version(),
        "java": java[0] if java else "",
        "redis": next((w.removeprefix("v=") for w in redis if w.startswith("v=")), ""),
        "kafka": next((jar.stem.split("-")[1] for jar in kafka_libs().glob("kafka_2.13-*.jar")), "?"),
        "libraries": {name: version(name) for name in LIBRARIES if _installed(name)},
    }


def _installed(name: str) -> bool:
    try:
        version(name)
    except PackageNotFoundError:
        return False
    return True


async def main_async(args: argparse.Namespace) -> int:
    stack = country_stack()
    started = time.perf_counter()
    results: dict[str, Any] = {}
    problems: list[str] = []
    try:
        stack.start_infra()
        stack.start_services()
        results["startup_s"] = round(time.perf_counter() - started, 1)
        bench = Bench(stack, problems=problems)
        # the load generator's own full collections would stop its clock as a worker's did
        freeze_startup_objects()
        upkeep = asyncio.create_task(keep_survivors_frozen())
        try:
            await ONLY.get(args.only, suite)(bench, args.quick, results)
            results["suite_s"] = round(time.perf_counter() - started, 1)
        finally:
            upkeep.cancel()
            await bench.close()
    finally:
        stack.stop()
        report = {"machine": machine(), "quick": args.quick, "results": results, "problems": problems}
        written = RESULTS.with_stem(args.only) if args.only else RESULTS
        written.parent.mkdir(parents=True, exist_ok=True)
        written.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))  # even a partial run's
    if not args.quick and not args.only:
        write_report(report)
    print(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode())
    for problem in problems[:50]:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a quarter of every load (for trying it out)")
    parser.add_argument(
        "--only",
        choices=sorted(ONLY),
        help="call_next: only the call-next scenario after the suite's check-ins (about 2 minutes); "
        "efficiency: only CPU per check-in at a steady 200/s (about 2 minutes); "
        "fan_out: only the fan-out to 2,000 and 10,000 live streams (about 2 minutes)",
    )
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
