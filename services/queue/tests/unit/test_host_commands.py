"""`HostCommands`: a host's command about the visit it names, else the office's day, published once and
counted by the queue's decision."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

import orjson
from visitflow_events import CallNext, Command, Message, Recall, office_day_correlation, visit_correlation
from visitflow_platform.pseudonyms import pseudonym
from visitflow_platform.replies import Outcome
from visitflow_queue.handlers import HostCommands

NOW = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # 00:30 on the 24th in Oslo
ACTOR = pseudonym("s" * 32, "host")


class Publisher:
    def __init__(self) -> None:
        self.published: list[Message] = []

    async def publish(self, topic: str, message: Message) -> None:
        self.published.append(message)


class Replies:
    """The queue answers whatever was published last with `answer`, or not at all."""

    def __init__(self, publisher: Publisher, answer: dict[str, object] | None) -> None:
        self.publisher, self.answer = publisher, answer

    def expect(self, key: str) -> asyncio.Future[str]:
        return asyncio.get_running_loop().create_future()

    async def wait(self, key: str, future: asyncio.Future[str], timeout_s: float) -> str | None:
        if self.answer is None:
            return None
        command = self.publisher.published[-1]
        assert isinstance(command, Command)
        return orjson.dumps({"fingerprint": command.fingerprint, **self.answer}).decode()

    async def stored(self, key: str) -> str | None:
        return None


def host_commands(answer: dict[str, object] | None) -> tuple[HostCommands, Publisher, list[tuple[str, str]]]:
    publisher, counted = Publisher(), []
    commands = HostCommands(
        publisher=publisher,
        replies=Replies(publisher, answer),
        topic="commands",
        producer="queue",
        zone=ZoneInfo("Europe/Oslo"),
        timeout_s=1,
        counted=lambda kind, result: counted.append((kind, result)),
    )
    return commands, publisher, counted


async def test_a_command_about_a_visit_carries_the_visit_and_one_about_the_day_the_offices_day() -> None:
    commands, publisher, _ = host_commands({"events": [{"type": "VisitorCalled"}]})
    visit_id = uuid4()

    await commands.send(Recall, "halden", uuid4(), NOW, ACTOR, visit_id=visit_id)
    await commands.send(CallNext, "halden", uuid4(), NOW, ACTOR, room_id="samtalerom-1")

    recall, call_next = publisher.published
    assert recall.correlation_id == visit_correlation(visit_id)
    # the office's day is the office's own date (Oslo), not UTC's
    assert call_next.correlation_id == office_day_correlation("halden", date(2026, 11, 24))
    assert {(m.actor_id, m.producer) for m in (recall, call_next)} == {(ACTOR, "queue")}  # type: ignore[attr-defined]


async def test_each_decision_is_counted_by_its_result() -> None:
    answers: list[tuple[dict[str, object] | None, Outcome, str]] = [
        ({"events": [{"type": "VisitorCalled"}]}, Outcome.DONE, "done"),
        (
            {"rejected": {"code": "nobody_waiting", "detail": "None."}},
            Outcome.REJECTED,
            "rejected",
        ),
        (None, Outcome.PENDING, "accepted"),
    ]
    for answer, outcome, result in answers:
        commands, _, counted = host_commands(answer)
        decision = await commands.send(CallNext, "halden", uuid4(), NOW, ACTOR, room_id="samtalerom-1")
        assert (decision.outcome, counted) == (outcome, [("CallNext", result)])
