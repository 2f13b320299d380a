"""The topics on the broker are as `topic_specs` says: the table changelogs close a segment every ten
seconds and keep no offset index (DECISIONS §37 and §59)."""

from __future__ import annotations

from typing import Any

import pytest
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
from visitflow_devstack.testing import System
from visitflow_platform.topics import CHANGELOG_INDEX_INTERVAL_BYTES, CHANGELOG_SEGMENT_MS, topic_specs

pytestmark = pytest.mark.integration


def _configs(admin: KafkaAdminClient, topics: list[str]) -> dict[str, dict[str, str]]:
    resources = [ConfigResource(ConfigResourceType.TOPIC, topic) for topic in topics]
    described: dict[str, Any] = admin.describe_configs(resources, config_filter="all")
    (by_topic,) = described.values()
    return {
        topic: {key: entry["value"] for key, entry in configs.items()} for topic, configs in by_topic.items()
    }


def test_the_changelogs_close_segments_often_and_index_none_of_them(system: System) -> None:
    specs = topic_specs(system.stack.settings())
    admin = KafkaAdminClient(bootstrap_servers=system.stack.kafka_bootstrap.split(","))
    try:
        on_broker = _configs(admin, [spec.name for spec in specs])
    finally:
        admin.close()

    changelogs = [spec.name for spec in specs if spec.name.endswith("-changelog")]
    assert len(changelogs) == 5
    for name in changelogs:
        assert on_broker[name]["segment.ms"] == str(CHANGELOG_SEGMENT_MS)
        assert on_broker[name]["index.interval.bytes"] == str(CHANGELOG_INDEX_INTERVAL_BYTES)
    # every other topic keeps Kafka's index: its consumers fetch at offsets near its end
    assert {
        on_broker[spec.name]["index.interval.bytes"] for spec in specs if spec.name not in changelogs
    } == {"4096"}
