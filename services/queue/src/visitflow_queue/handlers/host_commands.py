"""The API's use case for a host's command: made from what was asked, about the visit it names (else the
office's day), published, and the queue's decision awaited (`visitflow_platform.replies.ask`), counted
by its result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from visitflow_events import Command, new_envelope, office_day_correlation, visit_correlation
from visitflow_offices import business_date
from visitflow_platform.replies import Decision, Outcome, ask

from .ports import Publisher, Replies

# the result label of the commands' count (`visitflow_queue_commands_total{result}`)
RESULTS = {
    Outcome.DONE: "done",
    Outcome.REJECTED: "rejected",
    Outcome.PENDING: "accepted",
    Outcome.KEY_REUSED: "key_reused",
}


@dataclass(frozen=True)
class HostCommands:
    publisher: Publisher
    replies: Replies
    topic: str
    producer: str
    zone: ZoneInfo
    timeout_s: float
    counted: Callable[[str, str], None]  # (the command's type, its result)

    async def send(
        self,
        kind: type[Command],
        office_id: str,
        command_id: UUID,
        occurred_at: datetime,
        actor_id: str,
        **asked: Any,
    ) -> Decision:
        """Asks the queue for a `kind` command with the fields `asked`. A retry with the same id gets
        the stored decision without publishing again."""
        visit_id = asked.get("visit_id")
        day = business_date(occurred_at, self.zone)
        about = visit_correlation(visit_id) if visit_id else office_day_correlation(office_id, day)
        command = kind(
            **new_envelope(
                command_id=command_id,
                office_id=office_id,
                correlation_id=about,
                occurred_at=occurred_at,
                producer=self.producer,
            ),
            actor_id=actor_id,
            **asked,
        )
        decision = await ask(self.publisher, self.replies, self.topic, command, self.timeout_s)
        self.counted(kind.model_fields["type"].default, RESULTS[decision.outcome])
        return decision
