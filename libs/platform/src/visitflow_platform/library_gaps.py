"""The two things the Kafka client libraries give no option for, in one place, each for the versions it
was verified with (docs/decisions/pipeline.md).

- aiokafka's fetcher: how long it holds fetches back while fetched records wait to be taken
  (`prefetch_backoff`, not a consumer option), how long a fetch that leaves such partitions out may
  wait, and how much a fetch waits for (faust sets `fetch_max_wait_ms` to 1.5 s itself and leaves
  `fetch_min_bytes` at one byte, with no setting for either). `tune_fetching`.
- kafka-python's producer: `close(timeout)` flushes first and raises when a record is still pending,
  before its own forced close, so a stuck producer's I/O thread would run on. `close_now`.

Every other use of faust, aiokafka and kafka-python in the project is through their public API. On a
version not verified here, each falls back to the library's own behaviour and logs why; the unit test
`libs/platform/tests/test_library_gaps.py` fails on such a version until this module is checked again
(the integration test `tests/integration/test_worker_fetching.py` checks the fetcher's behaviour).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Set as AbstractSet
from enum import StrEnum
from importlib.metadata import version
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

log = logging.getLogger(__name__)

# the releases (major.minor) whose internals this module was written against
VERIFIED = {"aiokafka": "0.14", "kafka-python": "3.0"}


def verified(package: str) -> bool:
    release = ".".join(version(package).split(".")[:2])
    if release == VERIFIED[package]:
        return True
    log.warning(
        "library not verified for its adapter; using its own behaviour",
        extra={"package": package, "version": version(package), "verified": VERIFIED[package]},
    )
    return False


# Why each, with its figures: docs/decisions/consumer-fetching.md.
# How long aiokafka holds back every fetch from a broker while records it fetched earlier wait to be
# taken (its `prefetch_backoff`, 100 ms); on one broker that is every partition. Only the worker that
# answers requests shortens it: past saturation, the other workers fell further behind with it.
PREFETCH_BACKOFF_S = 0.01
# How long the broker may hold a fetch that leaves out partitions whose records wait to be taken:
# with faust's 1.5 s, the busy partitions waited behind a fetch of the quiet ones.
PARTIAL_FETCH_MAX_WAIT_MS = 20
# A worker that takes a batch at most every second gathers its records in few fetches: the broker holds
# each until this much is there, or this long.
GATHERING_FETCH_MIN_BYTES = 1024 * 1024
GATHERING_FETCH_MAX_WAIT_MS = 500


class Fetching(StrEnum):
    """How a worker's consumer fetches: `PROMPT` when someone waits for each message it handles,
    `STEADY` when screens follow it, `GATHERING` when it takes a batch at most every second."""

    PROMPT = "prompt"
    STEADY = "steady"
    GATHERING = "gathering"


def tune_fetching(fetching: Fetching) -> None:
    """Makes the consumers aiokafka creates from now on in this process hold fetches back only for
    records that will be taken, and:
    - `PROMPT`, `STEADY`: wait at most `PARTIAL_FETCH_MAX_WAIT_MS` in a fetch sent while records of
      partitions being read wait to be taken; `PROMPT` holds fetches back only `PREFETCH_BACKOFF_S`;
    - `GATHERING`: every fetch waits for `GATHERING_FETCH_MIN_BYTES`, at most
      `GATHERING_FETCH_MAX_WAIT_MS`."""
    if not verified("aiokafka"):
        return
    from aiokafka.consumer import consumer
    from aiokafka.consumer.fetcher import Fetcher

    class TunedFetcher(Fetcher):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            if fetching is Fetching.PROMPT:
                kwargs["prefetch_backoff"] = PREFETCH_BACKOFF_S
            if fetching is Fetching.GATHERING:
                kwargs["fetch_min_bytes"] = GATHERING_FETCH_MIN_BYTES
                kwargs["fetch_max_wait_ms"] = GATHERING_FETCH_MAX_WAIT_MS
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
            if fetching is not Fetching.GATHERING:
                waiting = any(tp in read for tp in fetched) if read else bool(fetched)
                # the fetch requests this builds carry `_fetch_max_wait_ms`
                self._fetch_max_wait_ms = (
                    PARTIAL_FETCH_MAX_WAIT_MS if waiting else self._full_fetch_max_wait_ms
                )
            if read:
                # Records nobody takes hold nothing back: aiokafka would send nothing to their broker
                # for the backoff after each arrived.
                for tp, result in fetched.items():
                    if tp not in read:
                        result._backoff = 0
            return super()._get_actions_per_node(assignment)

    consumer.Fetcher = TunedFetcher


def close_now(producer: KafkaProducer, grace_s: float = 0.0) -> None:
    """Closes a producer within about `grace_s` (plus a second), whatever state it is in: waits up to
    `grace_s` for what is pending, stops the I/O thread without sending more (which fails whatever is
    left), then closes. On an unverified kafka-python, a stuck producer's I/O thread is left running."""
    with contextlib.suppress(KafkaError):
        producer.flush(timeout=grace_s)
    sender = getattr(producer, "_sender", None) if verified("kafka-python") else None
    if sender is not None:
        sender.force_close()
        sender.join(1.0)
    try:
        producer.close(timeout=0)
    except KafkaError as exc:
        log.warning("kafka producer not closed cleanly", extra={"error": type(exc).__name__})
