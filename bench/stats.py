"""Latency summaries and the readable report."""

from __future__ import annotations

import statistics
from typing import Any


def summary(seconds: list[float]) -> dict[str, Any]:
    """median, p90, p99 and max in milliseconds (nearest-rank percentiles), and the count."""
    if not seconds:
        return {"count": 0}
    ordered = sorted(seconds)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered)) - 1))]

    return {
        "count": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p90_ms": round(rank(0.90) * 1000, 1),
        "p99_ms": round(rank(0.99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def latency_row(name: str, figures: dict[str, Any], target: str = "") -> str:
    if not figures.get("count"):
        return f"| {name} | 0 | | | | | {target} |"
    return (
        f"| {name} | {figures['count']} | {figures['p50_ms']} | {figures['p90_ms']} | {figures['p99_ms']} "
        f"| {figures['max_ms']} | {target} |"
    )


LATENCY_HEADER = (
    "| what | samples | p50 ms | p90 ms | p99 ms | max ms | target |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
)
