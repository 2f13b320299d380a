"""An office's check-ins by weekday, line and local hour, and its conversations' lengths by reason
and line, learned from its own past days.

Each day's check-ins per line and local hour (`OfficeQueue.hourly_arrivals`) are folded, when the
next day begins, into the running mean of the same weekday's: the plain mean of the first
`HISTORY_DAYS` of that weekday, then a mean that weighs the newest day as one of `HISTORY_DAYS` (an
exponentially weighted one), so it has learned two thirds of a change after four weeks of that
weekday and nine tenths after eight. The estimator expects each drop-in line's arrivals beyond its
running rate's window at these rates (docs/ESTIMATES.md, decisions/arrivals-from-the-offices-own-days.md).

Each day's last conversations per reason and per line (`OfficeQueue.reason_seconds`,
`service_seconds`) are folded the same way, on any weekday, into the mean length of each
(`TalkHistory`): what a reason's conversation takes in this office, before today has shown it and
besides today's few (decisions/conversation-lengths-from-the-offices-own-days.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

HISTORY_DAYS = 4  # the days of a weekday the mean is over, then the newest's weight (1/4)
KEPT_BELOW = 0.01  # a line's hour whose mean falls below this (one in a hundred days) is forgotten


class ArrivalHistory(BaseModel):
    model_config = ConfigDict(frozen=True)

    days: dict[int, int] = Field(
        default_factory=dict, description="weekday (Monday 0) -> days folded, at most HISTORY_DAYS"
    )
    hourly: dict[int, dict[str, dict[int, float]]] = Field(
        default_factory=dict, description="weekday -> line -> local hour -> mean check-ins"
    )

    def per_hour(self, weekday: int, line_id: str, hour: int) -> float | None:
        """The line's mean check-ins in that hour of that weekday; None before a day of it is known."""
        if not self.days.get(weekday):
            return None
        return self.hourly.get(weekday, {}).get(line_id, {}).get(hour, 0.0)


def folded(history: ArrivalHistory, day: date, counts: dict[str, dict[int, int]]) -> ArrivalHistory:
    """The history with one more day's check-ins per line and local hour."""
    weekday = day.weekday()
    known = min(history.days.get(weekday, 0) + 1, HISTORY_DAYS)
    weight = 1 / known
    before = history.hourly.get(weekday, {})
    means: dict[str, dict[int, float]] = {}
    for line_id in sorted(before.keys() | counts.keys()):
        old, new = before.get(line_id, {}), counts.get(line_id, {})
        hours = {
            hour: round((1 - weight) * old.get(hour, 0.0) + weight * new.get(hour, 0), 3)
            for hour in sorted(old.keys() | new.keys())
        }
        if kept := {hour: mean for hour, mean in hours.items() if mean >= KEPT_BELOW}:
            means[line_id] = kept
    return ArrivalHistory(days={**history.days, weekday: known}, hourly={**history.hourly, weekday: means})


class TalkHistory(BaseModel):
    """The past days' mean conversation length per reason and per line, in seconds, with how many days
    each mean is over (at most `HISTORY_DAYS`)."""

    model_config = ConfigDict(frozen=True)

    reasons: dict[str, tuple[float, int]] = Field(
        default_factory=dict, description="reason -> (mean s, days)"
    )
    lines: dict[str, tuple[float, int]] = Field(default_factory=dict, description="line -> (mean s, days)")

    def reason(self, reason: str) -> float | None:
        return _mean_of(self.reasons, reason)

    def line(self, line_id: str) -> float | None:
        return _mean_of(self.lines, line_id)


def _mean_of(means: dict[str, tuple[float, int]], key: str) -> float | None:
    known = means.get(key)
    return None if known is None else known[0]


def _means(
    before: dict[str, tuple[float, int]], day: Mapping[str, list[int]]
) -> dict[str, tuple[float, int]]:
    result = dict(before)
    for key, seconds in day.items():
        if not seconds:
            continue
        mean, days = before.get(key, (0.0, 0))
        known = min(days + 1, HISTORY_DAYS)
        today = sum(seconds) / len(seconds)
        result[key] = (round(mean + (today - mean) / known, 1), known)
    return result


def talks_folded(
    history: TalkHistory, reasons: Mapping[str, list[int]], lines: Mapping[str, list[int]]
) -> TalkHistory:
    """The history with one more day's conversations (each reason's and line's last of the day, in
    seconds): the mean of the first `HISTORY_DAYS` days that had any, then the newest weighing as one
    of them; a reason without any that day keeps its mean."""
    return TalkHistory(reasons=_means(history.reasons, reasons), lines=_means(history.lines, lines))
