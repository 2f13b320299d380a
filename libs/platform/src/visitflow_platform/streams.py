"""Faust workers: the app factory, dead-lettering, and the heartbeat that tells an API its worker is assigned.

Every consuming service builds its faust app with `make_faust_app` inside its own factory, so nothing
happens at import time and tests can build as many apps as they like.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, cast

import faust
import orjson
import redis.asyncio as aioredis
from faust.streams import _current_event  # faust's record-in-process (see `processing`)
from kafka.errors import KafkaError
from visitflow_events import DeadLetter, Message, UndecodableMessage, decode

from .heap import freeze_startup_objects
from .heartbeats import HEARTBEAT_TTL_S, heartbeat_key, worker_id
from .settings import ServiceSettings
from .tables import CompressedTable

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
        "producer_linger": 0.0,
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
        return processing(event) if event is not None else contextlib.nullcontext()

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


@contextlib.contextmanager
def processing(event: faust.types.EventT[Any]) -> Iterator[None]:
    """Makes `event` faust's current record. faust writes a table's change to the changelog partition
    of the record being processed; a batch holds records of many partitions, so each write names its own.
    """
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


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
    acknowledgement, Redis) in full. Here the next batch fills meanwhile, so a worker that falls
    behind catches up in larger batches. An event is acknowledged (its offset may be committed) only
    after its batch was handled. Built on the stream hooks `take_events` uses (processors, passive
    draining, manual acks).
    """
    pending: list[faust.types.EventT[Any]] = []
    arrived, room = asyncio.Event(), asyncio.Event()
    room.set()

    async def add(value: Any) -> Any:
        event = stream.current_event
        if event is None:
            raise RuntimeError("a stream processor ran outside an event")
        pending.append(event)
        arrived.set()
        if len(pending) >= max_:  # back-pressure: read no further until a batch is taken
            room.clear()
            await room.wait()
        return value

    real = cast(faust.Stream[Any], stream)
    real.enable_acks = False
    real.add_processor(add)
    real._enable_passive(cast(faust.ChannelT[Any], aiter(real.channel)))
    try:
        while not real.should_stop:
            if not pending:
                arrived.clear()
                # the first event after a quiet spell, then what the same fetch brought with it; when
                # the stream stops, what it read is still handled
                if not await real.wait_for_stopped(arrived.wait()):
                    await asyncio.sleep(0)
                if not pending:
                    continue
            batch = pending[:max_]
            del pending[: len(batch)]
            room.set()
            yield batch
            for event in batch:
                await real.ack(event)
    finally:
        real._processors.remove(add)


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


# How long aiokafka holds back every fetch from a broker while records it fetched earlier wait to be
# taken (its `prefetch_backoff`, 100 ms, not a consumer option). On one broker that is every partition:
# after a busy spell the queue worker decided commands only every 100 ms, and call-next's p99 was
# 105-127 ms against 26-50 ms later. Only the worker that answers requests shortens it: past
# saturation, the other workers' displays fell further behind with it (docs/decisions/consumer-fetching.md).
PREFETCH_BACKOFF_S = 0.01
# How long the broker may hold a fetch that leaves out partitions whose records wait to be taken. Once
# the backoff above has passed, aiokafka fetches only the other partitions, and sends nothing more to
# that broker until that fetch returns: when those are quiet (the commands topic during a rush of
# check-ins) the busy ones waited the whole wait, faust's 1.5 s. At 120 check-ins a second that kept
# every worker about 1.3 s behind while using less CPU (docs/decisions/consumer-fetching.md). Any other
# fetch keeps the long wait: it returns as soon as a partition it asks for has a record, and an idle
# worker does not ask the broker fifty times a second.
PARTIAL_FETCH_MAX_WAIT_MS = 20


def tune_fetching(answers_requests: bool) -> None:
    """Makes the consumers aiokafka creates from now on in this process wait at most
    `PARTIAL_FETCH_MAX_WAIT_MS` in a fetch sent while records of partitions being read wait to be
    taken, hold fetches back only for records that will be taken, and, in a worker that
    `answers_requests`, only `PREFETCH_BACKOFF_S`.
    aiokafka has no option for either, so this puts a subclass of its `Fetcher` in its place (aiokafka
    is pinned below 0.15)."""
    from aiokafka.consumer import consumer
    from aiokafka.consumer.fetcher import Fetcher

    class PromptFetcher(Fetcher):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            if answers_requests:
                kwargs["prefetch_backoff"] = PREFETCH_BACKOFF_S
            super().__init__(*args, **kwargs)
            self._full_fetch_max_wait_ms: int = self._fetch_max_wait_ms
            # The partitions last asked for; none: all. faust asks only for the ones it reads: after
            # recovery, a fetch of each table's changelog waits in `_records` and is never taken.
            self._read: AbstractSet[Any] = frozenset()

        async def fetched_records(self, partitions: Any, *args: Any, **kwargs: Any) -> Any:
            # faust's own set, which it changes as it pauses and resumes partitions (also while this
            # call waits for records): kept, not copied, and only ever asked whether it holds one
            self._read = partitions or frozenset()
            return await super().fetched_records(partitions, *args, **kwargs)

        def _get_actions_per_node(self, assignment: Any) -> Any:
            read, fetched = self._read, self._records
            waiting = any(tp in read for tp in fetched) if read else bool(fetched)
            # the fetch requests this builds carry `_fetch_max_wait_ms`
            self._fetch_max_wait_ms = PARTIAL_FETCH_MAX_WAIT_MS if waiting else self._full_fetch_max_wait_ms
            if read:
                # Records nobody takes hold nothing back: aiokafka would send nothing to their broker
                # for the backoff after each arrived. Each table changelog partition's first write
                # after a start arrives so, and once held every display's frames for 100 ms.
                for tp, result in fetched.items():
                    if tp not in read:
                        result._backoff = 0
            return super()._get_actions_per_node(assignment)

    consumer.Fetcher = PromptFetcher


class _Worker(faust.Worker):
    async def on_startup_finished(self) -> None:
        """Once the tables are recovered: they and the imports are kept out of later collections."""
        await super().on_startup_finished()
        freeze_startup_objects()


def run_worker(
    app: faust.App,
    settings: ServiceSettings,
    on_start: Callable[[], None] | None = None,
    answers_requests: bool = False,
) -> None:
    """Runs a faust worker until SIGTERM or SIGINT, then stops it cleanly (commits, closes).

    On uvloop: nothing has taken an event loop before this point (faust and mode take theirs lazily),
    and uvloop's cheaper wake-ups are a large share of a busy worker's CPU. Its consumer fetches with
    a short wait, and sooner still in a worker that `answers_requests` (someone waits for each message
    it handles; `tune_fetching`)."""
    import uvloop

    from .logs import logging_config

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    tune_fetching(answers_requests)
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
