"""The notify service's use cases, over the ports they are given (`ports`): what the worker does with
visit events and notification requests (`NotifyHandlers`), and what a visitor's link opens
(`VisitLinks`)."""

from .visit_events import NotifyHandlers
from .visit_links import LINK_RATE_PER_MINUTE, Refusal, Refused, VisitLinks

__all__ = [
    "LINK_RATE_PER_MINUTE",
    "NotifyHandlers",
    "Refusal",
    "Refused",
    "VisitLinks",
]
