"""The queue worker's faust agent, driven through faust's own `test_context()` (no broker)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from visitflow_events import (
    CallNext,
    Event,
    Reason,
    VisitKind,
    VisitorCalled,
    VisitorCheckedIn,
    VisitorQueued,
    encode,
)
from visitflow_queue.config import QueueSettings
from visitflow_queue.worker import create_worker

NOW = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # Monday 12:30 in Oslo


class RecordingOutbox:
    def __init__(self) -> None:
        self.emitted: list[Event] = []
        self.replies: dict[str, dict[str, Any]] = {}

    async def emit(self, events: list[Event]) -> None:
        self.emitted.extend(events)

    async def project(
        self,
        changes: list[tuple[str, list[Event], dict[str, Any]]],
        replies: list[tuple[str, dict[str, Any]]],
    ) -> None:
        if changes:
            self.view = changes[-1][2]
        self.replies.update(replies)

    async def refresh(self, views: list[tuple[str, dict[str, Any]]]) -> None:
        pass


def _check_in(office: str) -> VisitorCheckedIn:
    visit_id = uuid.uuid4()
    return VisitorCheckedIn(
        event_id=uuid.uuid4(),
        occurred_at=NOW,
        office_id=office,
        correlation_id=visit_id,
        producer="test",
        visit_id=visit_id,
        business_date=date(2026, 11, 23),
        kind=VisitKind.DROP_IN,
        reason=Reason.DELIVER_DOCUMENTS,
        line_id="drop_in",
    )


async def test_the_agent_queues_check_ins_and_serves_call_next_in_order() -> None:
    outbox = RecordingOutbox()
    app = create_worker(QueueSettings(clock_start=NOW), outbox=outbox)
    agent = next(agent for name, agent in app.agents.items() if name.endswith(".process"))
    first, second = _check_in("halden"), _check_in("halden")
    call = CallNext(
        command_id=uuid.uuid4(),
        occurred_at=NOW,
        office_id="halden",
        correlation_id=uuid.uuid4(),
        producer="test",
        room_id="samtalerom-1",
    )

    async with agent.test_context() as test_agent:
        await test_agent.put(encode(first), key=b"halden")
        await test_agent.put(encode(second), key=b"halden")
        await test_agent.put(encode(call), key=b"halden")
        await test_agent.put(encode(call), key=b"halden")  # a retried tap: no second call
        await test_agent.put(b"not json at all", key=b"halden")  # dead-lettered, the agent goes on

    queued = [e for e in outbox.emitted if isinstance(e, VisitorQueued)]
    assert [e.ticket for e in queued] == ["D-001", "D-002"]
    calls = [e for e in outbox.emitted if isinstance(e, VisitorCalled)]
    assert [(e.ticket, e.room_id) for e in calls] == [("D-001", "samtalerom-1")]
    assert outbox.replies[str(first.visit_id)]["ticket"] == "D-001"
    assert outbox.replies[str(call.command_id)]["events"][0]["ticket"] == "D-001"
    assert [v["ticket"] for v in outbox.view["waiting"]] == ["D-002"]
