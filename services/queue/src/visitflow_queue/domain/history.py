"""An office's check-ins by weekday, line and local hour, learned from its own past days.

Each day's check-ins per line and local hour (`OfficeQueue.hourly_arrivals`) are folded, when the
next day begins, into the running mean of the same weekday's: the plain mean of the first
`HISTORY_DAYS` of that weekday, then a mean that weighs the newest day as one of `HISTORY_DAYS` (an
exponentially weighted one), so it has learned two thirds of a change after four weeks of that
weekday and nine tenths after eight. The estimator expects each drop-in line's arrivals beyond its
running rate's window at these rates (docs/ESTIMATES.md, decisions/arrivals-from-the-offices-own-days.md).
"""

from __future__ import annotations

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
