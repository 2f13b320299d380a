"""With KAFKA_BOOTSTRAP_SERVERS and REDIS_URL set, a stack starts no Kafka or Redis of its own: it
creates its topics on the broker named, and its services work through that broker and that Redis
(README: "point it at your own infrastructure")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from kafka.admin import KafkaAdminClient
from visitflow_devstack.processes import port_open
from visitflow_devstack.stack import SERVICES, Stack
from visitflow_devstack.testing import System, move_ports
from visitflow_platform.topics import topic_specs

pytestmark = pytest.mark.integration
STACK_OFFSET = 15  # clear of the session's ports and of the fault tests' stacks (5 and 10)
PREFIX = "external"


@pytest.fixture
def external(system: System, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """A second stack, on other ports, given the session's broker and Redis (another database)."""
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", system.stack.kafka_bootstrap)
    monkeypatch.setenv("REDIS_URL", system.stack.redis_url.removesuffix("/0") + "/1")
    move_ports(monkeypatch, STACK_OFFSET)
    clock = {key: value for key, value in system.stack.extra_env.items() if key.startswith("VISITFLOW_CLOCK")}
    stack = Stack("test", {"VISITFLOW_TOPIC_PREFIX": PREFIX, **clock}, fresh=True)
    given_redis = redis.Redis.from_url(stack.redis_url)
    given_redis.flushdb()
    try:
        yield stack
    finally:
        stack.stop()
        given_redis.flushdb()
        given_redis.close()
        admin = KafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap.split(","))
        try:
            admin.delete_topics([name for name in admin.list_topics() if name.startswith(PREFIX)])
        finally:
            admin.close()


def test_a_stack_given_kafka_and_redis_starts_neither_and_works_through_them(external: Stack) -> None:
    external.start_infra()

    assert external.children == {}  # no broker, no Redis of its own
    assert not port_open(external.ports.kafka)
    assert not port_open(external.ports.redis)
    admin = KafkaAdminClient(bootstrap_servers=external.kafka_bootstrap.split(","))
    try:
        on_broker = set(admin.list_topics())
    finally:
        admin.close()
    wanted = {spec.name for spec in topic_specs(external.settings())}
    assert all(name.startswith(PREFIX) for name in wanted)
    assert wanted <= on_broker

    for service in SERVICES:
        if service.key in ("queue-worker", "checkin-api"):
            external.start_service(service)
    external.wait_ready()
    system = System(external)
    try:
        answer = system.check_in("hamar", {"kind": "drop_in", "reason": "case_status"})
        assert answer.status_code == 201, answer.text  # the queue worker's ticket, through that broker
        assert answer.json()["ticket"]
        assert system.end_offsets(system.topics.visits) >= 2  # the check-in and the queue's event
        assert system.redis.dbsize() > 0  # the answers and the read model, in the Redis given
    finally:
        system.close()
