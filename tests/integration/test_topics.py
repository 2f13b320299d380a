"""The topics on the broker are as `topic_specs` says: the table changelogs close a segment every ten
seconds, keep no offset index and keep tombstones an hour (docs/decisions/changelog-topics.md); and
`ensure_topics` brings an existing topic's configs back to the spec's."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
from visitflow_devstack.testing import System, eventually
from visitflow_platform.topics import (
    CHANGELOG_INDEX_INTERVAL_BYTES,
    CHANGELOG_SEGMENT_MS,
    CHANGELOG_TOMBSTONES_KEPT_MS,
    align_configs,
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
    assert len(changelogs) == 6
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
        _alter(admin, changelog, {"delete.retention.ms": "86400000", "max.compaction.lag.ms": "7200000"})
        eventually(lambda: _held(admin, changelog, "delete.retention.ms", "86400000"), 10, "the old config")

        assert ensure_topics(settings) == []  # nothing created

        eventually(
            lambda: _held(admin, changelog, "delete.retention.ms", str(CHANGELOG_TOMBSTONES_KEPT_MS)),
            10,
            "the spec's config",
        )
        held = _configs(admin, [changelog])[changelog]
        assert held["segment.ms"] == str(CHANGELOG_SEGMENT_MS)  # what was right stays
        assert held["max.compaction.lag.ms"] == "7200000"  # an operator's own setting is left alone
    finally:
        _alter(
            admin,
            changelog,
            {
                "delete.retention.ms": str(CHANGELOG_TOMBSTONES_KEPT_MS),
                "max.compaction.lag.ms": ("DELETE", None),
            },
        )
        admin.close()


def test_ensure_topics_never_lowers_a_topics_durability(system: System) -> None:
    """Settings made for one broker (`min.insync.replicas` 1) must not weaken a cluster's topic (2)."""
    admin = KafkaAdminClient(bootstrap_servers=system.stack.kafka_bootstrap.split(","))
    name = f"scratch-durability-{uuid.uuid4().hex[:8]}"
    admin.create_topics([NewTopic(name, 1, 1, topic_configs={"min.insync.replicas": "2"})])
    try:
        spec = NewTopic(name, 1, 1, topic_configs={"min.insync.replicas": "1", "retention.ms": "3600000"})
        eventually(lambda: _held(admin, name, "min.insync.replicas", "2"), 10, "the topic")

        align_configs(admin, [spec])

        eventually(lambda: _held(admin, name, "retention.ms", "3600000"), 10, "the other config set")
        assert _configs(admin, [name])[name]["min.insync.replicas"] == "2"
    finally:
        admin.delete_topics([name])
        admin.close()


def _alter(admin: KafkaAdminClient, topic: str, configs: dict[str, Any]) -> None:
    admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs=configs)], incremental=True)


def _held(admin: KafkaAdminClient, topic: str, key: str, value: str) -> bool | None:
    """True once the broker reports the value (a describe right after an alter may not yet)."""
    return _configs(admin, [topic])[topic].get(key) == value or None
