"""The queue service's use cases, over the ports they are given (`ports`): what the worker does with a
batch of visit events, host commands and bookings (`QueueHandlers`), and what the API does with a
host's command (`HostCommands`)."""

from .host_commands import HostCommands
from .visit_events import RESULTS_KEPT_S, STAFFING_EVERY, QueueHandlers

__all__ = ["RESULTS_KEPT_S", "STAFFING_EVERY", "HostCommands", "QueueHandlers"]
