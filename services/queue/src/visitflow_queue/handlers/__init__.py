"""The queue service's use cases, over the ports they are given (`ports`): what the worker does with a
batch of visit events, host commands and bookings (`visit_events.QueueHandlers`, imported by the worker
alone: it reads faust's tables, which the API process never loads), and what the API does with a host's
command (`HostCommands`)."""

from .host_commands import HostCommands

__all__ = ["HostCommands"]
