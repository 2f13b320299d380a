"""Variants of one API's code side by side on one running system (`checkin_api_cost`, `queue_api_cost`):
each variant's API process started in turn on the service's port, from its own sources."""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections.abc import Iterator

import httpx
from visitflow_devstack.processes import Child
from visitflow_devstack.stack import Stack


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


def print_medians(results: dict[str, list[float]], unit: str) -> None:
    for name, runs in results.items():
        print(f"{name}: median {statistics.median(runs):.3f} {unit} ({', '.join(f'{r:.3f}' for r in runs)})")
