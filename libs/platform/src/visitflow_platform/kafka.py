"""Publishing to Kafka with kafka-python: acks=all, idempotent, and honest about failures.

A producer that failed once is replaced. kafka-python's idempotent producer can get stuck for good
after a delivery timeout (seen with kafka-python 3.0): when a batch that was already sent once expires
(for example while its partition's leader is dead and not yet replaced), the sender resets the
producer id (`Sender._send_producer_data` -> `TransactionManager.reset_producer_id`) but leaves the
transaction manager in READY; `TransactionManager.init_producer_id` only asks for a new id from
UNINITIALIZED, so the sender's run loop (`Sender.run_once`) waits for a producer id that is never
requested, sends nothing, and never expires a batch again. Every later send then fails only by our
own timeout, until the process restarts. A fatal error or an epoch bump leaves a producer unusable or
stalled in the same way, so `EventPublisher` does not try to tell these apart: after any failure it
sends through a fresh producer (a new producer id, fresh sequence numbers and metadata) and retires
the old one in the background.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError, MessageSizeTooLargeError, RecordListTooLargeError
from visitflow_events import Message, encode

from .library_gaps import close_now

log = logging.getLogger(__name__)
HANDED_POLL_S = 0.01

# Failures that say something about the record, not about the producer: no reason to replace it.
_RECORD_ERRORS = (MessageSizeTooLargeError, RecordListTooLargeError)


class BrokerUnavailable(RuntimeError):
    """Kafka did not acknowledge in time. The caller answers 503 with Retry-After; nothing is claimed."""


class EventPublisher:
    """Sends messages keyed by office; `publish` returns only once every in-sync replica acknowledged.

    The producer connects in the background, so an API starts (and says it is not ready) while the
    broker is away, and recovers by itself when it returns. A failed publish replaces the producer
    (see the module's docstring); publishes meanwhile wait for the new one, within their timeout.
    """

    def __init__(
        self, bootstrap_servers: str, client_id: str, timeout_s: float = 5.0, linger_ms: int = 0
    ) -> None:
        timeout_ms = int(timeout_s * 1000)
        self._config: dict[str, Any] = {
            "bootstrap_servers": bootstrap_servers.split(","),
            "client_id": client_id,
            "acks": "all",
            "enable_idempotence": True,
            "linger_ms": linger_ms,
            # a record is given up by the producer when the caller gives up on it, so a 503 is not
            # followed by a late write from a retry
            "delivery_timeout_ms": timeout_ms,
            "request_timeout_ms": timeout_ms - 100,
            "max_block_ms": timeout_ms,
            "bootstrap_timeout_ms": timeout_ms,
            "reconnect_backoff_max_ms": 1000,
        }
        self._timeout_s = timeout_s
        self._producer: KafkaProducer | None = None
        self._available = asyncio.Event()
        self._connected_once = False
        self._closed = False
        self._connecting: asyncio.Task[None] | None = None
        self._retiring: set[asyncio.Task[None]] = set()
        # send() may block while metadata is fetched (at most max_block_ms), so records are handed to
        # the producer by a thread of the publisher's own: one, so they are handed in publish order
        self._handoff = ThreadPoolExecutor(1, thread_name_prefix=f"{client_id}-send")
        self.replacements = 0  # producers replaced after a failure (for tests and diagnostics)

    async def start(self) -> None:
        self._connect_in_background()

    def _connect_in_background(self) -> None:
        if not self._closed and (self._connecting is None or self._connecting.done()):
            self._connecting = asyncio.create_task(self._connect())

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        while self._producer is None and not self._closed:
            try:
                producer = await loop.run_in_executor(None, lambda: KafkaProducer(**self._config))
            except KafkaError as exc:
                log.warning("kafka not reachable yet", extra={"error": type(exc).__name__})
                await asyncio.sleep(1.0)
                continue
            if self._closed:  # closed while connecting
                await loop.run_in_executor(None, close_now, producer)
                return
            self._producer = producer
            self._connected_once = True
            self._available.set()

    async def ready(self) -> bool:
        """Connected once, and a broker accepts a connection now."""
        return self._connected_once and await brokers_reachable(self._config["bootstrap_servers"])

    async def publish(self, topic: str, message: Message) -> None:
        await self.publish_all(topic, [message])

    async def publish_all(self, topic: str, messages: Sequence[Message]) -> None:
        loop = asyncio.get_running_loop()
        producer = await self._producer_within(self._timeout_s)
        acks: list[asyncio.Future[Any]] = [loop.create_future() for _ in messages]
        handed = threading.Event()
        try:
            self._handoff.submit(_send_all, producer, loop, topic, messages, acks, handed)
            await self._acknowledged(acks, handed)
        except (KafkaError, TimeoutError) as exc:
            log.warning("kafka did not acknowledge", extra={"topic": topic, "error": type(exc).__name__})
            if not isinstance(exc, _RECORD_ERRORS):
                self._replace(producer, exc)
            raise BrokerUnavailable(str(exc) or type(exc).__name__) from exc

    async def _acknowledged(self, acks: Sequence[asyncio.Future[Any]], handed: threading.Event) -> None:
        """Waits for every record's acknowledgement, up to the timeout after it was handed to the
        producer. The sending thread tells the loop only of the acknowledgements (one wake-up a record);
        that the records were handed is a flag, looked at only when the wait timed out: a record still
        being handed (send() waiting for metadata) is not abandoned half-way, but waited for."""
        _, pending = await asyncio.wait(acks, timeout=self._timeout_s)
        if pending and not handed.is_set():
            while not handed.is_set():  # noqa: ASYNC110 (a thread sets it; bounded by max_block_ms)
                await asyncio.sleep(HANDED_POLL_S)
            _, pending = await asyncio.wait(pending, timeout=self._timeout_s)
        if pending:
            for ack in pending:
                ack.cancel()  # an outcome that comes later is for no one
            raise TimeoutError
        for ack in acks:
            ack.result()  # the record's failure, if any

    async def _producer_within(self, timeout_s: float) -> KafkaProducer:
        """The current producer; while it is being (re)created, waits for it up to `timeout_s`."""
        if self._producer is None:
            if self._closed:
                raise BrokerUnavailable("the publisher is closed")
            try:
                async with asyncio.timeout(timeout_s):
                    while self._producer is None:
                        await self._available.wait()
            except TimeoutError:
                raise BrokerUnavailable("not connected to Kafka") from None
        return self._producer

    def _replace(self, failed: KafkaProducer, error: BaseException) -> None:
        """Sends from now on through a new producer; `failed` finishes what it can, then is closed."""
        if self._producer is not failed or self._closed:
            return  # already replaced, after another publish's failure
        self._producer = None
        self._available.clear()
        self.replacements += 1
        log.warning("replacing the kafka producer", extra={"error": type(error).__name__})
        task = asyncio.create_task(self._retire(failed))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)
        self._connect_in_background()

    async def _retire(self, producer: KafkaProducer) -> None:
        # Records already handed to it get up to their delivery timeout to complete (a publish in
        # another request may still be waiting for one); a stuck producer's never do, so after that
        # its I/O thread is stopped and it is closed regardless.
        await asyncio.get_running_loop().run_in_executor(None, close_now, producer, self._timeout_s)

    async def close(self) -> None:
        self._closed = True
        if self._connecting is not None:
            self._connecting.cancel()
        loop = asyncio.get_running_loop()
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await loop.run_in_executor(None, close_now, producer, self._timeout_s)
        if self._retiring:
            await asyncio.gather(*self._retiring, return_exceptions=True)
        self._handoff.shutdown(wait=False)


async def brokers_reachable(servers: Sequence[str], timeout_s: float = 1.0) -> bool:
    for server in servers:
        host, _, port = server.rpartition(":")
        try:
            async with asyncio.timeout(timeout_s):
                _, writer = await asyncio.open_connection(host, int(port))
        except (OSError, TimeoutError):
            continue
        writer.close()
        return True
    return False


def _send_all(
    producer: KafkaProducer,
    loop: asyncio.AbstractEventLoop,
    topic: str,
    messages: Sequence[Message],
    acks: Sequence[asyncio.Future[Any]],
    handed: threading.Event,
) -> None:
    """Hands the records to the producer (on the publisher's thread); each one's outcome settles its
    future on the loop, from the producer's network thread, or from here if send() refused it."""
    try:
        for index, (message, ack) in enumerate(zip(messages, acks, strict=True)):
            try:
                sent = producer.send(topic, key=message.office_id.encode(), value=encode(message))
            except BaseException as exc:
                for refused in acks[index:]:
                    loop.call_soon_threadsafe(_settle, refused, None, exc)
                return
            sent.add_callback(lambda meta, f=ack: loop.call_soon_threadsafe(_settle, f, meta, None))
            sent.add_errback(lambda exc, f=ack: loop.call_soon_threadsafe(_settle, f, None, exc))
    finally:
        handed.set()


def _settle(future: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)
