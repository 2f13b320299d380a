"""Consumer lag per consumer group and topic: the end offsets minus the group's committed offsets."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from kafka import TopicPartition
from kafka.admin import KafkaAdminClient, OffsetSpec
from kafka.errors import KafkaError
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)


def _assigned(group: dict[str, Any]) -> set[TopicPartition]:
    """The partitions a group's members consume now; faust's table changelogs are only read on recovery
    and never committed, so they are left out."""
    return {
        TopicPartition(topic["topic"], partition)
        for member in group.get("members") or ()
        for topic in (member.get("member_assignment") or {}).get("assigned_partitions") or ()
        if not topic["topic"].endswith("-changelog")
        for partition in topic["partitions"]
    }


def measure_lag(bootstrap_servers: str, group_prefix: str) -> dict[tuple[str, str], int]:
    """{(group, topic): messages not yet committed} for every group whose id starts with the prefix.

    A partition counts when the group committed on it or a member consumes it now; without a commit
    the group starts from the earliest offset (as faust is configured), so all of it is lag. A stopped
    group keeps its commits, so its lag keeps growing. Blocking: run it off the event loop.
    """
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers.split(","),
        client_id="visitflow-metrics-lag",
        request_timeout_ms=5000,
    )
    try:
        groups = sorted(
            group["group_id"] for group in admin.list_groups() if group["group_id"].startswith(group_prefix)
        )
        if not groups:
            return {}
        committed = {
            group: {TopicPartition(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items()}
            for group, offsets in admin.list_group_offsets(groups).items()
        }
        described = admin.describe_groups(groups)
        consumed = {
            group: set(committed.get(group, {})) | _assigned(described.get(group) or {}) for group in groups
        }
        partitions = set().union(*consumed.values())
        if not partitions:
            return {}
        ends = admin.list_partition_offsets(dict.fromkeys(partitions, OffsetSpec.LATEST))
        starts = admin.list_partition_offsets(dict.fromkeys(partitions, OffsetSpec.EARLIEST))
        lag: dict[tuple[str, str], int] = defaultdict(int)
        for group in groups:
            for tp in consumed[group]:
                position = committed.get(group, {}).get(tp, -1)
                if position < 0:
                    position = starts[tp].offset
                lag[(group, tp.topic)] += max(0, ends[tp].offset - position)
        return dict(lag)
    finally:
        admin.close()


class LagGauge(Collector):
    """The latest measurement, for Prometheus; empty while Kafka cannot be asked, so no stale lag is ever
    shown."""

    def __init__(self, bootstrap_servers: str, group_prefix: str) -> None:
        self._bootstrap = bootstrap_servers
        self._prefix = group_prefix
        self.values: dict[tuple[str, str], int] = {}

    def refresh(self) -> None:
        try:
            self.values = measure_lag(self._bootstrap, self._prefix)
        except KafkaError as exc:
            log.warning("consumer lag not measured", extra={"error": repr(exc)})
            self.values = {}

    def collect(self) -> Iterator[GaugeMetricFamily]:
        lag = GaugeMetricFamily(
            "visitflow_kafka_consumer_lag",
            "Messages on a topic not yet committed by a consumer group",
            labels=["group", "topic"],
        )
        for (group, topic), value in sorted(self.values.items()):
            lag.add_metric([group, topic], value)
        yield lag
