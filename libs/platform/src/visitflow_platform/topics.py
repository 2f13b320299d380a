"""Creates the project's topics explicitly, with partition counts and configs (auto-creation is off).

python -m visitflow_platform.topics          # create what is missing, check what exists
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from visitflow_events import BOOKING_HORIZON_DAYS

from .logs import configure_logging
from .settings import ServiceSettings

log = logging.getLogger(__name__)
DAY_MS = 24 * 3600 * 1000

# The faust tables of each worker; their changelog topics are created here too (compacted), so that
# no topic is ever created implicitly.
TABLES = {
    "queue": ("office-state", "command-results", "appointments"),
    "notify": ("display-boards", "audiences"),
    "metrics": ("office-days",),
}
# A table's changelog gets a version of the office per change (tens of KB each, hundreds of MB a day);
# Kafka compacts only closed segments, so a segment closes every ten seconds: a restarting worker reads
# the latest version of each office plus the last seconds of changes, not the whole day
# (docs/decisions/changelog-topics.md).
CHANGELOG_SEGMENT_MS = 10_000
# A changelog is read from its start (a restarting worker, the log cleaner), and a segment holds ten
# seconds, so finding an offset without an index is cheap. Kafka indexes every 4 KB appended: in each
# new segment the first entry touches a new memory-mapped index file, and on the development machine's
# disk those first touches held the broker's appends, every topic's, for up to 60 ms
# (docs/decisions/changelog-topics.md).
CHANGELOG_INDEX_INTERVAL_BYTES = 16 * 1024 * 1024
# A deleted key's tombstone stays on a compacted topic this long after the cleaner first passes it
# (Kafka's default is a day). A restarting worker reads every tombstone still there, and a reader only
# needs it while it may still hold the deleted value: a restore takes seconds
# (docs/decisions/changelog-topics.md).
CHANGELOG_TOMBSTONES_KEPT_MS = 3600 * 1000
# Configs `ensure_topics` raises on an existing topic but never lowers (see `align_configs`).
NEVER_LOWERED = frozenset({"min.insync.replicas"})
# Bookings are made up to `BOOKING_HORIZON_DAYS` (the event contract's) ahead and the queue rebuilds its
# appointments from the topic: it keeps each booking until well after its day.
APPOINTMENTS_RETENTION_DAYS = BOOKING_HORIZON_DAYS + 14
HISTORY_RETENTION_DAYS = 800  # the metrics daily history: at least 400 days are promised


def metrics_history_topic(prefix: str) -> str:
    """Each office-day's summary, keyed `office_id:date`, compacted: the metrics history's source."""
    return f"{prefix}.metrics-office-days.v1"


def changelog_topic(prefix: str, app: str, table: str) -> str:
    return f"{prefix}-{app}-{table}-changelog"


def topic_specs(settings: ServiceSettings) -> list[NewTopic]:
    topics = settings.topics
    replicas = settings.replication_factor
    durable = {"min.insync.replicas": str(min(2, replicas))}
    return [
        NewTopic(
            topics.visits,
            settings.partitions,
            replicas,
            topic_configs={**durable, "retention.ms": str(14 * DAY_MS)},
        ),
        NewTopic(
            topics.commands,
            settings.partitions,
            replicas,
            topic_configs={**durable, "retention.ms": str(7 * DAY_MS)},
        ),
        NewTopic(
            topics.notifications,
            settings.partitions,
            replicas,
            topic_configs={**durable, "retention.ms": str(14 * DAY_MS)},
        ),
        NewTopic(
            topics.appointments,
            settings.partitions,
            replicas,
            topic_configs={**durable, "retention.ms": str(APPOINTMENTS_RETENTION_DAYS * DAY_MS)},
        ),
        NewTopic(
            topics.dead_letter,
            settings.partitions,
            replicas,
            topic_configs={**durable, "retention.ms": str(30 * DAY_MS)},
        ),
        NewTopic(
            metrics_history_topic(settings.topic_prefix),
            settings.partitions,
            replicas,
            topic_configs={
                **durable,
                "cleanup.policy": "compact,delete",
                "retention.ms": str(HISTORY_RETENTION_DAYS * DAY_MS),
            },
        ),
        *(
            NewTopic(
                changelog_topic(settings.topic_prefix, app, table),
                settings.partitions,
                replicas,
                topic_configs={
                    **durable,
                    "cleanup.policy": "compact",
                    "segment.ms": str(CHANGELOG_SEGMENT_MS),
                    "index.interval.bytes": str(CHANGELOG_INDEX_INTERVAL_BYTES),
                    "delete.retention.ms": str(CHANGELOG_TOMBSTONES_KEPT_MS),
                },
            )
            for app, tables in TABLES.items()
            for table in tables
        ),
    ]


def ensure_topics(settings: ServiceSettings, wait_s: float = 60.0) -> list[str]:
    """Creates missing topics, sets the configs of existing ones to the specs' (a new release may
    change them) and checks their partition counts; returns the names it created."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=settings.kafka_bootstrap_servers.split(","), client_id="visitflow-topics"
            )
            break
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    try:
        existing = set(admin.list_topics())
        specs = topic_specs(settings)
        missing = [spec for spec in specs if spec.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another process was first
                admin.create_topics(missing, timeout_ms=30_000)
        align_configs(admin, [spec for spec in specs if spec.name in existing])
        described = {t["name"]: len(t["partitions"]) for t in admin.describe_topics([s.name for s in specs])}
        for spec in specs:
            if described.get(spec.name) != spec.num_partitions:
                log.warning(
                    "topic has a different partition count",
                    extra={
                        "topic": spec.name,
                        "partitions": described.get(spec.name),
                        "wanted": spec.num_partitions,
                    },
                )
        return [spec.name for spec in missing]
    finally:
        admin.close()


def align_configs(admin: KafkaAdminClient, specs: list[NewTopic]) -> None:
    """Sets each config a spec names and the topic holds with another value; leaves the rest alone. A
    durability setting is never lowered: settings made for one broker must not weaken a cluster's
    topics (`min.insync.replicas` follows `VISITFLOW_REPLICATION_FACTOR`, 1 by default)."""
    if not specs:
        return
    resources = [ConfigResource(ConfigResourceType.TOPIC, spec.name) for spec in specs]
    (on_broker,) = admin.describe_configs(resources, config_filter="all").values()
    changes = []
    for spec in specs:
        held = {key: entry["value"] for key, entry in on_broker.get(spec.name, {}).items()}
        differing = {key: value for key, value in spec.topic_configs.items() if held.get(key) != value}
        for key in NEVER_LOWERED.intersection(differing):
            if key in held and int(differing[key]) < int(held[key]):
                del differing[key]
                log.warning(
                    "topic config kept", extra={"topic": spec.name, "config": key, "value": held[key]}
                )
        if differing:
            changes.append(ConfigResource(ConfigResourceType.TOPIC, spec.name, configs=differing))
    if not changes:
        return
    wanted = {change.name: change.configs for change in changes}
    (results,) = admin.alter_configs(changes, incremental=True, raise_on_unknown=False).values()
    for topic, result in results.items():
        if result == "OK":
            log.info("topic config changed", extra={"topic": topic, "configs": wanted[topic]})
        else:
            log.warning("topic config not changed", extra={"topic": topic, "error": result})


def main() -> int:
    settings = ServiceSettings(service_name="topics")
    configure_logging("topics", settings.log_level)
    try:
        created = ensure_topics(settings)
    except KafkaError as exc:
        log.error("could not create topics", extra={"error": repr(exc)})
        return 1
    log.info("topics ready", extra={"created": created, "partitions": settings.partitions})
    return 0


if __name__ == "__main__":
    sys.exit(main())
