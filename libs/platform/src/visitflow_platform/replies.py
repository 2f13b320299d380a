"""Request and reply between an API and the worker that owns an office.

The API registers interest in a key (a command id or visit id), publishes to Kafka, and waits. The
worker, once it has decided, stores the answer for a day and pushes it on one Redis channel. A retry
that arrives after the answer was pushed finds it stored. `ask` is the whole exchange for a command,
and its `Decision` what the queue answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

import orjson
import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from visitflow_events import Command, Message

from .subscription import Subscription

CHANNEL = "vf:replies"
KEEP_S = 24 * 3600


def _key(key: str) -> str:
    return f"vf:reply:{key}"


def add_replies(pipe: Pipeline, replies: Sequence[tuple[str, str]]) -> None:
    """Adds storing and pushing answers (key, payload) to a pipeline, so they share a round trip with
    the worker's other writes."""
    for key, payload in replies:
        pipe.set(_key(key), payload, ex=KEEP_S)
        pipe.publish(CHANNEL, f"{key}\n{payload}")


class ReplyWaiter:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis
        self._waiting: dict[str, list[asyncio.Future[str]]] = {}
        self._subscription = Subscription(redis, CHANNEL, self._answer, name="reply")
        self.subscribed = self._subscription.subscribed

    async def start(self) -> None:
        await self._subscription.start()

    async def stop(self) -> None:
        await self._subscription.stop()

    def _answer(self, _channel: bytes | str, message: bytes | str) -> None:
        text = message.decode() if isinstance(message, bytes) else message
        key, _, payload = text.partition("\n")
        for future in self._waiting.pop(key, []):
            if not future.done():
                future.set_result(payload)

    def expect(self, key: str) -> asyncio.Future[str]:
        """Register before publishing the request, so a fast answer is not missed."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append(future)
        return future

    def waiting(self) -> list[str]:
        """The keys some request waits for (for tests and diagnostics)."""
        return list(self._waiting)

    async def stored(self, key: str) -> str | None:
        value = await self._redis.get(_key(key))
        return value.decode() if value else None

    async def wait(self, key: str, future: asyncio.Future[str], timeout_s: float) -> str | None:
        """The answer pushed for `key` (`future`, from `expect`); after `timeout_s` without one, the
        answer stored meanwhile, or None. A timer that cancels the future, where `asyncio.wait_for` of a
        shielded future would make two more futures and their callbacks for every request."""
        task = asyncio.current_task()
        expired = False

        def expire() -> None:
            nonlocal expired
            expired = True
            future.cancel()

        timer = asyncio.get_running_loop().call_later(timeout_s, expire)
        try:
            return await future
        except asyncio.CancelledError:
            if not expired or (task is not None and task.cancelling()):
                raise  # the request itself was cancelled
            return await self.stored(key)
        finally:
            timer.cancel()
            waiting = self._waiting.get(key)
            if waiting and future in waiting:
                waiting.remove(future)
                if not waiting:
                    del self._waiting[key]


class Publisher(Protocol):
    """Kafka: returns once the message is acknowledged (acks=all), else raises."""

    async def publish(self, topic: str, message: Message) -> None: ...


class Replies(Protocol):
    """The answers by key (`ReplyWaiter`): awaited once expected, or read once stored."""

    def expect(self, key: str) -> asyncio.Future[str]: ...
    async def wait(self, key: str, future: asyncio.Future[str], timeout_s: float) -> str | None: ...
    async def stored(self, key: str) -> str | None: ...


class Outcome(Enum):
    DONE = "done"
    PENDING = "accepted"  # the queue has not answered within the reply timeout
    REJECTED = "rejected"  # by the queue, with its code
    KEY_REUSED = "idempotency_key_reused"  # the command's id was used for another command


@dataclass(frozen=True)
class Decision:
    """The queue's answer to a command: the events it caused, or its refusal's code and detail."""

    outcome: Outcome
    command_id: str
    code: str | None = None
    detail: str | None = None
    events: tuple[dict[str, Any], ...] = ()


async def ask(
    publisher: Publisher, replies: Replies, topic: str, command: Command, timeout_s: float
) -> Decision:
    """Publishes `command` and waits up to `timeout_s` for the queue's decision. A command whose id was
    answered already gets the stored decision without being published again; one stored for another
    command under the same id (an Idempotency-Key reused) is `KEY_REUSED`."""
    key = str(command.command_id)
    stored = await replies.stored(key)
    if stored is None:
        waiting = replies.expect(key)
        await publisher.publish(topic, command)
        stored = await replies.wait(key, waiting, timeout_s)
    if stored is None:
        return Decision(Outcome.PENDING, key)
    result = orjson.loads(stored)
    # a result stored before results carried their command's fingerprint is taken as this command's
    if result.get("fingerprint", command.fingerprint) != command.fingerprint:
        return Decision(Outcome.KEY_REUSED, key)
    if "rejected" in result:
        rejected = result["rejected"]
        return Decision(Outcome.REJECTED, key, str(rejected["code"]), rejected.get("detail"))
    return Decision(Outcome.DONE, key, events=tuple(result.get("events", ())))
