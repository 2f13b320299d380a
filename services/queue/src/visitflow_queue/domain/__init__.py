"""The queue's pure domain: state, its evolution, decisions, ordering and estimates."""

from .decide import Decision, check_in, close_day, decide, fold, unknown_ids
from .ordering import waiting_in_order
from .readmodel import VisitViews, snapshot
from .state import OfficeQueue, OpenVisit, evolve

__all__ = [
    "Decision",
    "OfficeQueue",
    "OpenVisit",
    "VisitViews",
    "check_in",
    "close_day",
    "decide",
    "evolve",
    "fold",
    "snapshot",
    "unknown_ids",
    "waiting_in_order",
]
