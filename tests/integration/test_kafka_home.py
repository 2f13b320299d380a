"""With KAFKA_HOME pointing at an unpacked Kafka release, the stack's broker runs from its `libs`, not
from the jars Maven fetched (README, docs/decisions/kafka-from-maven.md). The release here is the
fetched jars under a release's layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from visitflow_devstack.infra import KafkaBroker, kafka_classpath
from visitflow_devstack.paths import kafka_libs
from visitflow_devstack.stack import ports_of

pytestmark = pytest.mark.integration
PORT_OFFSET = 25  # clear of the session's ports and of the other tests' stacks (5, 10, 15)


def test_the_broker_runs_from_kafka_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kafka_classpath()  # the fetched jars, fetched if they are not yet
    release = tmp_path / "kafka_2.13-release"
    release.mkdir()
    (release / "libs").symlink_to(kafka_libs(), target_is_directory=True)
    monkeypatch.setenv("KAFKA_HOME", str(release))
    assert kafka_classpath() == f"{release}/libs/*"

    ports = ports_of("test")
    broker = KafkaBroker(tmp_path / "data", ports.kafka + PORT_OFFSET, ports.controller + PORT_OFFSET)
    child = broker.start()
    try:
        assert child.pid is not None
        command = Path(f"/proc/{child.pid}/cmdline").read_bytes().split(b"\0")
        assert f"{release}/libs/*".encode() in command
        admin = KafkaAdminClient(bootstrap_servers=f"127.0.0.1:{broker.port}")
        try:
            assert admin.describe_cluster()["brokers"]
        finally:
            admin.close()
    finally:
        child.stop()
    assert not child.alive()


def test_a_kafka_home_without_libs_falls_back_to_the_fetched_jars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_HOME", str(tmp_path))  # not a release: no libs folder
    assert kafka_classpath() == f"{kafka_libs()}/*"
