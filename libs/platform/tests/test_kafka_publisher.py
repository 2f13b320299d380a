"""The publisher replaces a producer that failed, so one delivery timeout during a leader change does not
leave every later check-in refused; it never fails fast while the new producer connects, and it closes
a stuck producer without hanging. Runs without a broker: kafka-python's producer is replaced by a fake
whose sends are acknowledged, never answered, or refused."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import pytest
from kafka.errors import IllegalStateError, KafkaConnectionError, KafkaTimeoutError, MessageSizeTooLargeError
from kafka.producer.transaction_manager import TransactionManager
from visitflow_devstack.testing import eventually_async
from visitflow_events import CloseDay, encode
from visitflow_platform import kafka as publisher_module
from visitflow_platform.kafka import BrokerUnavailable, EventPublisher

TIMEOUT_S = 0.3


def _message() -> CloseDay:
    return CloseDay(
        command_id=uuid4(),
        occurred_at=datetime(2026, 11, 23, 11, 30, tzinfo=UTC),
        office_id="halden",
        correlation_id=uuid4(),
        producer="test",
        business_date=date(2026, 11, 23),
    )


class FakeFuture:
    """kafka-python's FutureRecordMetadata, as far as the publisher uses it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[Any], None]] = []
        self._errbacks: list[Callable[[BaseException], None]] = []
        self.outcome: tuple[Any, BaseException | None] | None = None

    def add_callback(self, callback: Callable[[Any], None]) -> FakeFuture:
        with self._lock:
            self._callbacks.append(callback)
            outcome = self.outcome
        if outcome is not None and outcome[1] is None:
            callback(outcome[0])
        return self

    def add_errback(self, errback: Callable[[BaseException], None]) -> FakeFuture:
        with self._lock:
            self._errbacks.append(errback)
            outcome = self.outcome
        if outcome is not None and outcome[1] is not None:
            errback(outcome[1])
        return self

    def resolve(self, value: Any = None, error: BaseException | None = None) -> None:
        with self._lock:
            if self.outcome is not None:
                return
            self.outcome = (value, error)
            callbacks = list(self._callbacks) if error is None else list(self._errbacks)
        for callback in callbacks:
            callback(error if error is not None else value)


class FakeSender:
    def __init__(self, producer: FakeProducer) -> None:
        self.producer = producer
        self.force_closed = False

    def force_close(self) -> None:  # kafka-python fails whatever is pending ("closed forcefully")
        self.force_closed = True
        for future in self.producer.pending():
            future.resolve(error=IllegalStateError("Producer is closed forcefully."))

    def join(self, timeout: float | None = None) -> None:
        return None


class FakeProducer:
    """One producer; `mode` says what its sends get: "ack", "stuck" (never answered), or an error."""

    def __init__(self, mode: str | BaseException, **config: Any) -> None:
        self.mode = mode
        self.config = config
        self.futures: list[FakeFuture] = []
        self.sent: list[bytes] = []
        self.send_delay_s = 0.0  # send() waiting for the topic's metadata
        self.closed = False
        self._sender = FakeSender(self)

    def pending(self) -> list[FakeFuture]:
        return [future for future in self.futures if future.outcome is None]

    def send(self, topic: str, key: bytes, value: bytes) -> FakeFuture:
        if self.closed:
            raise IllegalStateError("KafkaProducer already closed!")
        time.sleep(self.send_delay_s)
        self.sent.append(value)
        future = FakeFuture()
        self.futures.append(future)
        if self.mode == "ack":
            future.resolve(SimpleNamespace(topic=topic, partition=0, offset=len(self.futures)))
        elif isinstance(self.mode, BaseException):
            future.resolve(error=self.mode)
        return future

    def flush(self, timeout: float | None = None) -> None:
        if self.pending():
            time.sleep(timeout or 0)
            if self.pending():
                raise KafkaTimeoutError("Timeout waiting for future")

    def close(self, timeout: float | None = None) -> None:
        self.flush(timeout)  # as kafka-python does: a pending record makes close() raise
        self.closed = True


class FakeKafka:
    """Hands out producers: the next one gets the next mode (then "ack"); "down" refuses to connect."""

    def __init__(self) -> None:
        self.modes: list[str | BaseException] = []
        self.producers: list[FakeProducer] = []
        self.connect_delay_s = 0.0

    def __call__(self, **config: Any) -> FakeProducer:
        time.sleep(self.connect_delay_s)
        mode = self.modes.pop(0) if self.modes else "ack"
        if mode == "down":
            raise KafkaConnectionError()
        producer = FakeProducer(mode, **config)
        self.producers.append(producer)
        return producer


@pytest.fixture
def kafka(monkeypatch: pytest.MonkeyPatch) -> FakeKafka:
    fake = FakeKafka()
    monkeypatch.setattr(publisher_module, "KafkaProducer", fake)
    return fake


async def _started(kafka: FakeKafka, *modes: str | BaseException) -> EventPublisher:
    kafka.modes = list(modes)
    publisher = EventPublisher("127.0.0.1:1", "test", timeout_s=TIMEOUT_S)
    await publisher.start()
    for _ in range(100):
        if kafka.producers:
            break
        await asyncio.sleep(0.01)
    return publisher


async def test_a_publish_that_is_never_acknowledged_replaces_the_producer(kafka: FakeKafka) -> None:
    publisher = await _started(kafka, "stuck")
    started = time.monotonic()
    with pytest.raises(BrokerUnavailable):
        await publisher.publish("visits", _message())
    assert time.monotonic() - started < TIMEOUT_S + 0.2
    await publisher.publish("visits", _message())  # through a new producer, at once
    stuck, fresh = kafka.producers
    assert publisher.replacements == 1
    assert fresh.futures
    assert all(f.outcome and f.outcome[1] is None for f in fresh.futures)
    await eventually_async(lambda: stuck.closed, timeout_s=2.0, what="the stuck producer closed")
    assert stuck._sender.force_closed, "the stuck producer's I/O thread was left running"
    await publisher.close()
    assert fresh.closed


async def test_a_delivery_timeout_replaces_the_producer(kafka: FakeKafka) -> None:
    publisher = await _started(kafka, KafkaTimeoutError("Expiring 1 record(s)"))
    with pytest.raises(BrokerUnavailable):
        await publisher.publish("visits", _message())
    await publisher.publish("visits", _message())
    assert publisher.replacements == 1
    assert len(kafka.producers) == 2
    await publisher.close()


async def test_failures_together_replace_the_producer_once(kafka: FakeKafka) -> None:
    publisher = await _started(kafka, "stuck")
    results = await asyncio.gather(
        *(publisher.publish("visits", _message()) for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(result, BrokerUnavailable) for result in results)
    assert publisher.replacements == 1
    await publisher.publish("visits", _message())
    assert len(kafka.producers) == 2
    await publisher.close()


async def test_a_publish_waits_for_the_new_producer_rather_than_failing_fast(kafka: FakeKafka) -> None:
    publisher = await _started(kafka, "stuck")
    kafka.connect_delay_s = TIMEOUT_S / 3
    with pytest.raises(BrokerUnavailable):
        await publisher.publish("visits", _message())
    await publisher.publish("visits", _message())  # issued while the new producer connects
    assert publisher.replacements == 1
    await publisher.close()


async def test_a_record_refused_for_its_size_keeps_the_producer(kafka: FakeKafka) -> None:
    publisher = await _started(kafka, MessageSizeTooLargeError())
    with pytest.raises(BrokerUnavailable):
        await publisher.publish("visits", _message())
    assert publisher.replacements == 0
    assert len(kafka.producers) == 1
    await publisher.close()


async def test_without_a_broker_a_publish_is_refused_after_its_timeout(kafka: FakeKafka) -> None:
    kafka.modes = ["down"] * 1000
    publisher = EventPublisher("127.0.0.1:1", "test", timeout_s=TIMEOUT_S)
    await publisher.start()
    started = time.monotonic()
    with pytest.raises(BrokerUnavailable, match="not connected"):
        await publisher.publish("visits", _message())
    assert TIMEOUT_S - 0.05 < time.monotonic() - started < TIMEOUT_S + 0.2
    assert not await publisher.ready()
    await publisher.close()


async def test_a_send_waiting_for_metadata_past_the_timeout_is_waited_for(kafka: FakeKafka) -> None:
    # a record handed to the producer late is not abandoned half-way: its acknowledgement is waited for
    publisher = await _started(kafka)
    (producer,) = kafka.producers
    producer.send_delay_s = TIMEOUT_S * 1.5
    started = time.monotonic()
    await publisher.publish("visits", _message())
    assert time.monotonic() - started >= TIMEOUT_S * 1.5
    assert publisher.replacements == 0
    await publisher.close()


async def test_records_are_handed_to_the_producer_in_publish_order(kafka: FakeKafka) -> None:
    publisher = await _started(kafka)
    (producer,) = kafka.producers
    producer.send_delay_s = 0.002
    messages = [_message() for _ in range(40)]
    await asyncio.gather(*(publisher.publish("visits", message) for message in messages))
    assert producer.sent == [encode(message) for message in messages]
    await publisher.close()


async def test_closing_does_not_hang_on_a_stuck_producer(kafka: FakeKafka) -> None:
    publisher = await _started(kafka, "stuck")
    waiting = asyncio.create_task(publisher.publish("visits", _message()))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await publisher.close()
    assert time.monotonic() - started < TIMEOUT_S + 0.5
    (stuck,) = kafka.producers
    assert stuck.closed
    assert stuck._sender.force_closed
    with pytest.raises(BrokerUnavailable):
        await waiting
    with pytest.raises(BrokerUnavailable):
        await publisher.publish("visits", _message())


def test_kafka_python_never_asks_again_for_the_producer_id_it_reset() -> None:
    """Why the publisher replaces a failed producer: after a batch that was sent once expires, the
    sender calls `reset_producer_id`, which leaves the state READY; `init_producer_id` only acts from
    UNINITIALIZED, so no InitProducerId is ever queued and the sender waits for a producer id for
    ever. If this starts failing, kafka-python recovers by itself now; the replacement stays harmless."""
    manager = TransactionManager(api_version=(4, 1))
    manager.init_producer_id()
    handler = manager.next_request_handler(False)
    assert handler is not None
    handler.handle_response(SimpleNamespace(error_code=0, producer_id=7, producer_epoch=0))
    assert manager.has_producer_id()

    manager.reset_producer_id()  # kafka/producer/sender.py, _send_producer_data: an expired batch in retry
    manager.init_producer_id()  # what Sender.run_once calls when there is no producer id
    assert not manager.has_producer_id()
    assert manager.next_request_handler(False) is None, "kafka-python asks for a new producer id again"


async def test_the_producer_lingers_as_long_as_it_is_configured_to(kafka: FakeKafka) -> None:
    publisher = EventPublisher("127.0.0.1:1", "test", timeout_s=TIMEOUT_S, linger_ms=5)
    await publisher.start()
    await eventually_async(lambda: len(kafka.producers) == 1, what="a producer")
    assert kafka.producers[0].config["linger_ms"] == 5
    await publisher.close()
