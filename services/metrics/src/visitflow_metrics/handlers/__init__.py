"""The metrics service's use cases, over the ports they are given (`ports`): what the worker does with
a batch of visit events (`MetricsHandlers`) and keeps loaded (`HistoryReload`), and what the API reads
(`Overview`, `TodayFigures`, `day_range`)."""

from .history_reload import HistoryReload
from .overview import FIRST_DAY, BadRange, Overview, TodayFigures, day_range, known_day
from .visit_events import MetricsHandlers

__all__ = [
    "FIRST_DAY",
    "BadRange",
    "HistoryReload",
    "MetricsHandlers",
    "Overview",
    "TodayFigures",
    "day_range",
    "known_day",
]
