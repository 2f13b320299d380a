"""Faust workers: the app factory, dead-lettering, and the heartbeat that tells an API its worker is assigned.

Every consuming service builds its faust app with `make_faust_app` inside its own factory, so nothing
happens at import time and tests can build as many apps as they like.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, cast

import faust
import orjson
import redis.asyncio as aioredis
from kafka.errors import KafkaError
from visitflow_events import DeadLetter, Message, UndecodableMessage, decode

from .heap import freeze_startup_objects, keep_survivors_frozen
from .heartbeats import HEARTBEAT_TTL_S, heartbeat_key, worker_id
from .library_gaps import Fetching, tune_fetching
from .settings import ServiceSettings
from .tables import CompressedTable, writing_to

log = logging.getLogger(__name__)


def make_faust_app(settings: ServiceSettings, app_id: str, **overrides: Any) -> faust.App:
    brokers = ";".join(f"kafka://{server}" for server in settings.kafka_bootstrap_servers.split(","))
    options: dict[str, Any] = {
        "broker": brokers,
        "store": "memory://",
        "topic_partitions": settings.partitions,
        "topic_allow_declare": False,  # every topic is created by `visitflow_platform.topics`
        "topic_replication_factor": settings.replication_factor,
        "topic_disable_leader": True,
        "web_enabled": False,
        "autodiscover": False,
        "producer_acks": -1,
        "producer_linger": settings.kafka_linger_ms / 1000,
        "consumer_auto_offset_reset": "earliest",
        "key_serializer": "raw",
        "value_serializer": "raw",
        "broker_commit_interval": 1.0,
        # a worker that dies is noticed in 10 s (faust's default is 60), so another takes its partitions
        "broker_session_timeout": 10.0,
        "broker_heartbeat_interval": 3.0,
        "stream_wait_empty": False,
        "table_cleanup_interval": 3600.0,
        "Table": CompressedTable,
    }
    options.update(overrides)
    return faust.App(f"{settings.topic_prefix}-{app_id}", **options)


def make_table(app: faust.App, name: str, settings: ServiceSettings) -> Any:
    """A table of str keys and JSON-ready values, co-partitioned with its sources; its changelog holds
    the values as compressed JSON (`make_faust_app` makes every table a `CompressedTable`)."""
    return app.Table(name, partitions=settings.partitions)


TRANSIENT = (aioredis.ConnectionError, aioredis.TimeoutError, KafkaError)


class DeadLetterQueue:
    """Turns bytes into a message, or parks them on the dead-letter topic with the reason."""

    def __init__(self, app: faust.App, settings: ServiceSettings, consumer: str) -> None:
        self._topic = app.topic(
            settings.topics.dead_letter, key_type=bytes, value_type=bytes, partitions=settings.partitions
        )
        self._consumer = consumer
        self._origins: dict[int, faust.types.EventT[Any]] = {}

    async def decode(self, event: faust.types.EventT[Any]) -> Message | None:
        try:
            return _parse(event)
        except UndecodableMessage as exc:
            await self.park(event, exc.reason)
            return None

    async def handle(
        self,
        event: faust.types.EventT[Any],
        handler: Callable[[Message], Awaitable[None]],
        message: Message | None = None,
    ) -> None:
        """Decodes and handles one record. Transient failures are retried; anything else is parked with
        its reason, so one bad message never stops the partition."""
        if message is None:
            message = await self.decode(event)
        if message is None:
            return
        delay = 0.2
        while True:
            try:
                await handler(message)
                return
            except TRANSIENT as exc:
                log.warning("transient failure, retrying", extra={"error": repr(exc), "delay_s": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            except Exception as exc:
                log.exception("message could not be handled", extra={"type": type(message).__name__})
                await self.park(event, f"handling failed: {type(exc).__name__}: {exc}"[:2000])
                return

    async def handle_batch(
        self,
        events: Sequence[faust.types.EventT[Any]],
        handler: Callable[[list[Message]], Awaitable[None]],
    ) -> None:
        """Decodes and handles records together. Transient failures retry the batch; any other failure
        handles the records one by one, so only the bad one is parked. Undecodable records are parked
        after the rest is handled."""
        decoded: list[tuple[faust.types.EventT[Any], Message]] = []
        undecodable: list[tuple[faust.types.EventT[Any], str]] = []
        for event in events:
            try:
                decoded.append((event, _parse(event)))
            except UndecodableMessage as exc:
                undecodable.append((event, exc.reason))
        self._origins = {id(message): event for event, message in decoded}
        delay = 0.2
        while decoded:
            try:
                await handler([message for _, message in decoded])
                break
            except TRANSIENT as exc:
                log.warning("transient failure, retrying", extra={"error": repr(exc), "delay_s": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            except Exception:
                for event, message in decoded:
                    await self.handle(event, lambda one: handler([one]), message)
                break
        self._origins = {}
        for event, reason in undecodable:
            await self.park(event, reason)

    def writing_for(self, message: Message) -> contextlib.AbstractContextManager[None]:
        """Table writes made for `message` (of the batch being handled) go to its record's partition."""
        event = self._origins.get(id(message))
        return writing_to(event.message.partition) if event is not None else contextlib.nullcontext()

    async def park(self, event: faust.types.EventT[Any], reason: str) -> None:
        message = event.message
        raw = event.value if isinstance(event.value, bytes) else str(event.value).encode()
        letter = DeadLetter(
            source_topic=message.topic,
            source_partition=message.partition,
            source_offset=message.offset,
            consumer=self._consumer,
            reason=reason,
            payload=raw[:65_536].decode("utf-8", "replace"),
        )
        key = message.key if isinstance(message.key, bytes) else None
        await self._topic.send(key=key, value=letter.model_dump_json().encode())
        log.warning(
            "message dead-lettered",
            extra={
                "topic": message.topic,
                "partition": message.partition,
                "offset": message.offset,
                "reason": reason,
            },
        )


def _parse(event: faust.types.EventT[Any]) -> Message:
    raw = event.value
    if not isinstance(raw, bytes | str):
        raise UndecodableMessage("the value is not JSON text")
    return decode(raw)


BATCH_MAX = 500


async def take_batches(
    stream: faust.StreamT[Any], max_: int = BATCH_MAX
) -> AsyncIterator[list[faust.types.EventT[Any]]]:
    """The stream's events in batches: all that arrived while the last batch was handled (at most
    `max_`), or, after a quiet spell, the first and whatever came with it. The first is not held back
    for more to come: below saturation a batch of one is cheap, and above it batches fill by themselves.

    faust's own `take_events` stops reading while a batch is handled, so a worker's batches stay as
    small as its window however far behind it is, and each batch pays its waits (the broker's
    acknowledgement, Redis) in full. Here a task of its own reads the stream meanwhile, so a worker
    that falls behind catches up in larger batches. The stream is read without acknowledgements
    (`noack`): an event is acknowledged (its offset may be committed) only after its batch was handled.
    """
    events = cast(faust.Stream[Any], stream).noack()  # declared on Stream, not on StreamT
    pending: list[faust.types.EventT[Any]] = []
    arrived, room = asyncio.Event(), asyncio.Event()
    room.set()

    async def read() -> None:
        async for event in events.events():
            pending.append(event)
            arrived.set()
            if len(pending) >= max_:  # back-pressure: read no further until a batch is taken
                room.clear()
                await room.wait()

    reader = asyncio.create_task(read())
    try:
        while True:
            if not pending:
                if reader.done():
                    reader.result()  # the stream stopped (or failed): what it read was handled
                    return
                arrived.clear()
                # the first event after a quiet spell, then what the same fetch brought with it
                waiting = asyncio.ensure_future(arrived.wait())
                await asyncio.wait((waiting, reader), return_when=asyncio.FIRST_COMPLETED)
                waiting.cancel()
                await asyncio.sleep(0)
                continue
            batch = pending[:max_]
            del pending[: len(batch)]
            room.set()
            yield batch
            for event in batch:
                await events.ack(event)
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


def install_heartbeat(app: faust.App, redis: aioredis.Redis, service: str) -> None:
    """Every two seconds the worker records its assigned partitions; an API's /readyz reads them.

    The record is removed when the worker stops, so a restarted worker is not taken as ready early.
    """

    key = heartbeat_key(service)

    @app.task
    async def heartbeat() -> None:
        try:
            while True:
                assigned = sorted(f"{tp.topic}:{tp.partition}" for tp in app.consumer.assignment())
                await redis.set(key, orjson.dumps(assigned), ex=HEARTBEAT_TTL_S)
                await asyncio.sleep(2.0)
        finally:
            with contextlib.suppress(Exception):
                await redis.delete(key)


def install_read_model_healer(
    app: faust.App, redis: aioredis.Redis, service: str, reproject: Callable[[], Awaitable[int]]
) -> None:
    """Rewrites a worker's read models in Redis when they are gone (Redis wiped or replaced).

    Each worker keeps a marker of its own in Redis; when the marker is missing, it projects every office
    it owns again from its tables, which faust restores from their Kafka changelogs. Screens that are
    connected get the fresh snapshot pushed to them.
    """
    marker = f"vf:projected:{service}:{worker_id()}"

    @app.timer(interval=2.0)
    async def heal() -> None:
        if app.in_recovery or not app.consumer.assignment():
            return  # a half-restored table would project a half-true picture
        if await redis.set(marker, "1", nx=True):
            try:
                offices = await reproject()
            except BaseException:
                await redis.delete(marker)  # the next tick tries again
                raise
            log.info("read models projected", extra={"offices": offices})


class _Worker(faust.Worker):
    async def on_start(self) -> None:
        await super().on_start()
        keep_heap_frozen(self)

    async def on_startup_finished(self) -> None:
        """Once the tables are recovered: they are kept out of later collections at once."""
        await super().on_startup_finished()
        freeze_startup_objects()


def keep_heap_frozen(service: faust.Service) -> asyncio.Future[Any]:
    """The imports are kept out of later collections, and so is what outlives a full collection, for
    as long as `service` runs: the tables as they are recovered, and as they grow all day. Walked by
    every full collection, they stopped a worker for up to a second every few seconds under load
    (`heap.keep_survivors_frozen`)."""
    freeze_startup_objects()
    return service.add_future(keep_survivors_frozen())


def run_worker(
    app: faust.App,
    settings: ServiceSettings,
    on_start: Callable[[], None] | None = None,
    fetching: Fetching = Fetching.STEADY,
) -> None:
    """Runs a faust worker until SIGTERM or SIGINT, then stops it cleanly (commits, closes).

    On uvloop: nothing has taken an event loop before this point (faust and mode take theirs lazily),
    and uvloop's cheaper wake-ups are a large share of a busy worker's CPU. Its consumer fetches with
    a short wait, sooner still in a worker that fetches `PROMPT` (someone waits for each message it
    handles); one that fetches `GATHERING` lets the broker gather each fetch (`tune_fetching`)."""
    import uvloop

    from .logs import logging_config

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    tune_fetching(fetching)
    worker = _Worker(
        app,
        loglevel=settings.log_level,
        quiet=True,
        redirect_stdouts=False,
        logging_config=logging_config(settings.service_name, settings.log_level),
    )
    if on_start is not None:
        on_start()
    worker.execute_from_commandline()
