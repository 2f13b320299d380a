"""The metrics service's pure domain: an office's day from its visit events, and the figures read from it."""

from .day import DayRules, DaySummary, OfficeDay, OfficeDays, Stage, Track, apply
from .figures import (
    HISTORY_COLUMNS,
    WAIT_BUCKETS_MIN,
    drop_in_trend,
    empty_summary,
    history_row,
    kpis,
    live_view,
    longest_wait_s,
    percentile,
    region_totals,
    wait_histogram,
)
from .follow_ups import OpenFollowUps, oldest_open_seconds, open_follow_ups, opening_seconds
from .footfall import counter_increments
from .outcomes import AFTER_CONVERSATION, AT_CHECK_IN, VisitOutcome, outcome_counts

__all__ = [
    "AFTER_CONVERSATION",
    "AT_CHECK_IN",
    "HISTORY_COLUMNS",
    "WAIT_BUCKETS_MIN",
    "DayRules",
    "DaySummary",
    "OfficeDay",
    "OfficeDays",
    "OpenFollowUps",
    "Stage",
    "Track",
    "VisitOutcome",
    "apply",
    "counter_increments",
    "drop_in_trend",
    "empty_summary",
    "history_row",
    "kpis",
    "live_view",
    "longest_wait_s",
    "oldest_open_seconds",
    "open_follow_ups",
    "opening_seconds",
    "outcome_counts",
    "percentile",
    "region_totals",
    "wait_histogram",
]
