"""Variants of one API's code side by side on one running system (`checkin_api_cost`, `queue_api_cost`):
each variant's API process started in turn on the service's port, from its own sources."""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator

import httpx
from visitflow_devstack.processes import Child
from visitflow_devstack.stack import Stack

from .harness import Bench, country_stack

# A variant's cost: its process's CPU in ms per request, and what the request was ("check-in (...)")
Measure = Callable[[Bench, Child], Awaitable[tuple[float, str]]]


def arguments(prog: str, description: str | None) -> argparse.ArgumentParser:
    """A tool's command line: `--rounds` and the variants, `NAME=SOURCES` (`parse`); the tool adds its own."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("variants", nargs="+", help="NAME=SOURCES (a PYTHONPATH; empty: the checkout)")
    return parser


def parse(values: list[str]) -> dict[str, str]:
    """`NAME=SOURCES` arguments: each variant's PYTHONPATH (empty: the checkout)."""
    return dict(value.partition("=")[::2] for value in values)


def ready(url: str, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} not ready in {timeout_s} s")


@contextlib.contextmanager
def variant_api(stack: Stack, process: str, service: str, name: str, sources: str) -> Iterator[Child]:
    """The `service`'s API (its `python -m visitflow_<service> api`) of one variant, running and ready
    on the service's port while the block runs; stopped after it."""
    child = Child(
        f"{process}-{name}",
        [sys.executable, "-m", f"visitflow_{service}", "api"],
        stack.home / "logs" / f"{process}-{name}.log",
        env={**stack.env(), "PYTHONPATH": sources},
        cwd=stack.home,
    )
    child.start()
    try:
        ready(f"{stack.url(service)}/readyz")
        yield child
    finally:
        child.stop()


async def take_turns(
    variants: dict[str, str],
    rounds: int,
    process: str,
    service: str,
    measure: Measure,
    prepare: Callable[[Bench], Awaitable[object]] | None = None,
) -> int:
    """Starts the bench's system once (then `prepare`s it), stops its `process`, and runs each variant
    of that service's API in turn, `rounds` times, `measure`-ing each; prints each turn and each
    variant's median."""
    stack = country_stack()
    results: dict[str, list[float]] = {name: [] for name in variants}
    try:
        stack.start_infra()
        stack.start_services()
        bench = Bench(stack)
        try:
            if prepare is not None:
                await prepare(bench)
            stack.stop_service(process)
            for round_number in range(rounds):
                for name, sources in variants.items():
                    with variant_api(stack, process, service, name, sources) as child:
                        ms, what = await measure(bench, child)
                    results[name].append(ms)
                    print(f"round {round_number + 1} {name}: {ms:.3f} ms per {what}", flush=True)
        finally:
            await bench.close()
    finally:
        stack.stop()
    for name, runs in results.items():
        print(f"{name}: median {statistics.median(runs):.3f} ms ({', '.join(f'{r:.3f}' for r in runs)})")
    return 0
