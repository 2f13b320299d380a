"""`replies.ask`: a command published once, and the queue's answer read as a decision."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from uuid import uuid4

import orjson
from visitflow_events import CallNext, Message, new_envelope
from visitflow_platform.pseudonyms import pseudonym
from visitflow_platform.replies import Decision, Outcome, ask

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


class Publisher:
    def __init__(self) -> None:
        self.published: list[Message] = []

    async def publish(self, topic: str, message: Message) -> None:
        self.published.append(message)


class Replies:
    """Answers `reply` once the command is published, or holds it stored already."""

    def __init__(self, reply: Mapping[str, object] | None, stored: bool = False) -> None:
        self.reply, self.already = (orjson.dumps(reply).decode() if reply else None), stored

    def expect(self, key: str) -> asyncio.Future[str]:
        return asyncio.get_running_loop().create_future()

    async def wait(self, key: str, future: asyncio.Future[str], timeout_s: float) -> str | None:
        return self.reply

    async def stored(self, key: str) -> str | None:
        return self.reply if self.already else None


def call_next() -> CallNext:
    envelope = new_envelope(
        command_id=uuid4(), office_id="halden", correlation_id=uuid4(), occurred_at=NOW, producer="test"
    )
    return CallNext(**envelope, actor_id=pseudonym("s" * 32, "host"), room_id="samtalerom-1")


async def test_the_queues_answer_is_the_decision_with_its_events_or_its_refusal() -> None:
    command, event = call_next(), {"type": "VisitorCalled", "ticket": "D-001"}
    done = {"fingerprint": command.fingerprint, "events": [event]}
    rejected = {"fingerprint": command.fingerprint, "rejected": {"code": "nobody_waiting", "detail": "None."}}
    key = str(command.command_id)

    assert await ask(Publisher(), Replies(done), "commands", command, 1) == Decision(
        Outcome.DONE, key, events=(event,)
    )
    assert await ask(Publisher(), Replies(rejected), "commands", command, 1) == Decision(
        Outcome.REJECTED, key, "nobody_waiting", "None."
    )
    assert (await ask(Publisher(), Replies(None), "commands", command, 1)).outcome is Outcome.PENDING
    reused = {"fingerprint": "another command", "events": [event]}
    assert (await ask(Publisher(), Replies(reused), "commands", command, 1)).outcome is Outcome.KEY_REUSED


async def test_a_command_answered_already_is_not_published_again() -> None:
    command = call_next()
    publisher, answered = Publisher(), {"fingerprint": command.fingerprint, "events": []}

    decision = await ask(publisher, Replies(answered, stored=True), "commands", command, 1)
    assert (decision.outcome, publisher.published) == (Outcome.DONE, [])

    await ask(publisher, Replies(answered), "commands", command, 1)
    assert publisher.published == [command]
