"""The topics on the broker are as `topic_specs` says: the table changelogs close a segment every ten
seconds, keep no offset index and keep tombstones an hour (DECISIONS §37, §59 and §65); and
`ensure_topics` brings an existing topic's configs back to the spec's."""

from __future__ import annotations

from typing import Any

import pytest
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
from visitflow_devstack.testing import System
from visitflow_platform.topics import (
    CHANGELOG_INDEX_INTERVAL_BYTES,
    CHANGELOG_SEGMENT_MS,
    CHANGELOG_TOMBSTONES_KEPT_MS,
    ensure_topics,
    topic_specs,
)

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
        assert on_broker[name]["delete.retention.ms"] == str(CHANGELOG_TOMBSTONES_KEPT_MS)
    # every other topic keeps Kafka's index: its consumers fetch at offsets near its end
    assert {
        on_broker[spec.name]["index.interval.bytes"] for spec in specs if spec.name not in changelogs
    } == {"4096"}


def test_ensure_topics_sets_an_existing_topics_configs_to_the_specs(system: System) -> None:
    settings = system.stack.settings()
    changelog = next(spec.name for spec in topic_specs(settings) if spec.name.endswith("-changelog"))
    admin = KafkaAdminClient(bootstrap_servers=system.stack.kafka_bootstrap.split(","))
    try:
        # as an older release left it: Kafka's default tombstone time, and a config no spec names
        admin.alter_configs(
            [
                ConfigResource(
                    ConfigResourceType.TOPIC,
                    changelog,
                    configs={"delete.retention.ms": "86400000", "max.compaction.lag.ms": "7200000"},
                )
            ],
            incremental=True,
        )
        assert _configs(admin, [changelog])[changelog]["delete.retention.ms"] == "86400000"

        assert ensure_topics(settings) == []  # nothing created

        held = _configs(admin, [changelog])[changelog]
        assert held["delete.retention.ms"] == str(CHANGELOG_TOMBSTONES_KEPT_MS)
        assert held["segment.ms"] == str(CHANGELOG_SEGMENT_MS)  # what was right stays
        assert held["max.compaction.lag.ms"] == "7200000"  # an operator's own setting is left alone
    finally:
        unset = ConfigResource(
            ConfigResourceType.TOPIC, changelog, configs={"max.compaction.lag.ms": ("DELETE", None)}
        )
        admin.alter_configs([unset], incremental=True)
        admin.close()
