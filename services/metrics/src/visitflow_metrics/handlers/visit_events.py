"""What the metrics worker does with a batch of visit events, over its ports: fold them into each
office's day, then store the open follow-ups, the office days, the history and the read model.

Order matters: the follow-ups go to the read model before the table, so a batch retried after Redis
failed writes them again (the newer version wins); the history is acknowledged before the read model
is written, so the history never lags behind it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import orjson
from visitflow_events import AppointmentMissed, Message, VisitEvent, WaitsEstimated
from visitflow_offices import OfficeDirectory

from ..domain import DayRules, DaySummary, OfficeDay, OfficeDays, live_view, open_follow_ups
from .ports import Days, History, ReadModel

log = logging.getLogger(__name__)


@dataclass
class MetricsHandlers:
    offices: OfficeDirectory
    days: Days
    store: ReadModel
    history: History
    # the context a table write for a message is made in (the worker's: that message's partition)
    writing_for: Callable[[Message], contextlib.AbstractContextManager[None]] = lambda _: (
        contextlib.nullcontext()
    )

    async def handle_batch(self, messages: list[Message]) -> None:
        """Folds a batch into the office days, then stores and publishes each changed day once."""
        folded: dict[str, tuple[OfficeDays, Message]] = {}
        changed: dict[tuple[str, date], OfficeDay] = {}
        followed: set[str] = set()  # offices whose follow-ups changed
        for message in messages:
            if not isinstance(message, VisitEvent | AppointmentMissed | WaitsEstimated):
                continue
            office = self.offices.office(message.office_id)
            if office is None:
                log.warning("visit event for an unknown office", extra={"office": message.office_id})
                continue
            rules = DayRules(office.policy.service_level_minutes * 60, self.offices.timezone)
            current = folded[office.id][0] if office.id in folded else self.days.get(office.id)
            if (result := current.apply(message, rules)) is not None:
                folded[office.id] = (result[0], message)
                if result[1] is not None:
                    changed[(office.id, message.business_date)] = result[1]
                if result[0].follow_ups_version != current.follow_ups_version:
                    followed.add(office.id)
        await self.store.write_follow_ups(
            [open_follow_ups(office_id, folded[office_id][0]) for office_id in followed]
        )
        for office_id, (updated, cause) in folded.items():
            with self.writing_for(cause):
                self.days.put(office_id, updated)
        summaries = [day.summary() for day in changed.values()]
        await self.history.publish(summaries)
        writes: list[tuple[DaySummary, str, str | None]] = []
        for summary in summaries:
            office = self.offices.office(summary.office_id)
            assert office is not None
            writes.append((summary, office.region_id, orjson.dumps(live_view(summary, office)).decode()))
        await self.store.write_all(writes)

    async def reproject(self) -> int:
        """The open follow-ups of every office this worker holds, after Redis lost them."""
        return await self.store.write_follow_ups(
            [open_follow_ups(office_id, self.days.get(office_id)) for office_id in self.days.stored()]
        )
