"""A three-node Kafka cluster (KRaft, every node broker and controller) on loopback, for fault tests.

Each node is a `KafkaBroker` with its own node id, ports and data folder, rendered from the project's
broker template with the cluster's settings on top: a quorum of all three controllers, replication
factor 3 and `min.insync.replicas=2` by default, so one node can be lost without losing an
acknowledged write or refusing one.
"""

from __future__ import annotations

import base64
import contextlib
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .infra import KafkaBroker
from .paths import home_of, kafka_file, port_offset
from .processes import Child, StartFailed, port_open, terminate, wait_until

CLUSTER_BASE_PORT = 23592  # brokers on base, base+1, base+2; controllers on base+3, base+4, base+5
SETTLE_S = 3.0  # a started node counts once it has stayed registered and alive this long

# On top of the single-node template: durable by default. Failure detection is left at Kafka's
# defaults, as a real cluster has it: the controller fences a broker that missed heartbeats for
# broker.session.timeout.ms (9 s), and only then do its partitions get new leaders. That is longer than
# the APIs' Kafka timeout (VISITFLOW_KAFKA_TIMEOUT_S, 5 s), so a check-in on a partition led by a lost
# broker can be answered 503 during those seconds; the publisher must recover as soon as the new
# leader is elected (docs/RELIABILITY.md, tests/faults/test_kafka_cluster.py).
CLUSTER_SETTINGS = {
    "default.replication.factor": "3",
    "min.insync.replicas": "2",
    "offsets.topic.replication.factor": "3",
    "transaction.state.log.replication.factor": "3",
    "transaction.state.log.min.isr": "2",
    "share.coordinator.state.topic.replication.factor": "3",
    "share.coordinator.state.topic.min.isr": "2",
    "unclean.leader.election.enable": "false",
}


def kafka_uuid() -> str:
    """A random id in Kafka's form (URL-safe base64 without padding, never starting with '-')."""
    while True:
        value = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not value.startswith("-"):
            return value


def with_settings(properties: str, settings: Mapping[str, str]) -> str:
    """A properties text with each setting replacing its line, or appended when it has none."""
    lines = properties.splitlines()
    for key, value in settings.items():
        pattern = re.compile(rf"^{re.escape(key)}\s*=")
        found = [i for i, line in enumerate(lines) if pattern.match(line)]
        for i in found:
            lines[i] = f"{key}={value}"
        if not found:
            lines.append(f"{key}={value}")
    return "\n".join(lines) + "\n"


@dataclass
class ClusterNode(KafkaBroker):
    """One node of the cluster: the broker template, with this node's id and the cluster's quorum."""

    node_id: int = 1
    cluster_id: str = ""
    initial_controllers: str = ""  # id@host:port:directory-id, the same for every node
    settings: Mapping[str, str] = field(default_factory=dict)

    def prepare(self) -> None:
        logs = self.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        template = (
            kafka_file("server.properties.template")
            .read_text()
            .format(port=self.port, controller_port=self.controller_port, data_dir=logs)
        )
        self.properties.write_text(with_settings(template, {"node.id": str(self.node_id), **self.settings}))
        if not (logs / "meta.properties").exists():
            subprocess.run(
                self._java(
                    "kafka.tools.StorageTool",
                    "format",
                    f"--cluster-id={self.cluster_id}",
                    f"--initial-controllers={self.initial_controllers}",
                    "-c",
                    str(self.properties),
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )

    def child(self) -> Child:
        return Child(
            f"kafka-{self.node_id}",
            self._java("kafka.Kafka", str(self.properties)),
            self.data_dir / "kafka.log",
        )


@dataclass
class KafkaCluster:
    """`size` nodes on ports from `base_port`, data under `home`; started together, killed one by one."""

    home: Path
    base_port: int = CLUSTER_BASE_PORT
    size: int = 3
    heap: str = "-Xmx384m"
    settings: Mapping[str, str] = field(default_factory=lambda: dict(CLUSTER_SETTINGS))
    children: dict[int, Child] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ids = range(1, self.size + 1)
        controllers = {i: self.base_port + self.size + i - 1 for i in ids}
        quorum = ",".join(f"127.0.0.1:{port}" for port in controllers.values())
        initial = ",".join(f"{i}@127.0.0.1:{port}:{kafka_uuid()}" for i, port in controllers.items())
        cluster_id = kafka_uuid()
        self.nodes = {
            i: ClusterNode(
                self.home / f"node-{i}",
                self.base_port + i - 1,
                controllers[i],
                heap=self.heap,
                node_id=i,
                cluster_id=cluster_id,
                initial_controllers=initial,
                settings={**self.settings, "controller.quorum.bootstrap.servers": quorum},
            )
            for i in ids
        }

    @property
    def bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{node.port}" for node in self.nodes.values())

    @property
    def state_file(self) -> Path:
        return self.home / "cluster.json"

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self, fresh: bool = True, timeout_s: float = 120.0) -> None:
        """Formats (when fresh) and starts every node; returns once all of them are registered."""
        self.stop_recorded()
        for node in self.nodes.values():
            for port in (node.port, node.controller_port):
                if port_open(port):
                    raise StartFailed(f"port {port} is taken: is another Kafka cluster running?")
        if fresh and self.home.exists():
            shutil.rmtree(self.home)
        self.home.mkdir(parents=True, exist_ok=True)
        for node in self.nodes.values():
            node.prepare()
        for node_id in self.nodes:  # a quorum needs a majority: start all, then wait for all
            self._start_node(node_id)
        self._wait_registered(timeout_s, "the Kafka cluster")

    def _start_node(self, node_id: int) -> None:
        child = self.nodes[node_id].child()
        child.start()
        self.children[node_id] = child
        self._save()

    def _wait_registered(self, timeout_s: float, what: str, restarts: int = 3) -> None:
        """Waits until every started node is registered, and still is (and alive) `SETTLE_S` later. A
        node that exits while starting is started again (a few times): its ports are in the ephemeral
        range, so a client's outgoing connection can hold one for a moment ("Address already in use").
        A node registers (and is unfenced) just before it opens its client listener, and exits a moment
        later when that port is taken, so one registered look is not enough."""
        left = dict.fromkeys(self.children, restarts)
        settled_since: float | None = None

        def ready() -> bool:
            nonlocal settled_since
            for node_id, child in list(self.children.items()):
                if not child.alive():
                    if left[node_id] == 0:
                        raise StartFailed(f"Kafka node {node_id} exited while starting:\n{child.tail()}")
                    left[node_id] -= 1
                    settled_since = None
                    time.sleep(1.0)
                    self._start_node(node_id)
            if not self.registered():
                settled_since = None
                return False
            now = time.monotonic()
            settled_since = settled_since or now
            return now - settled_since >= SETTLE_S and self.alive()

        wait_until(ready, timeout_s, what, lambda: True)

    def kill(self, node_id: int) -> None:
        """SIGKILL: no clean shutdown, no leadership handed over."""
        self.children.pop(node_id).kill()
        self._save()

    def restart(self, node_id: int, timeout_s: float = 120.0) -> None:
        """Starts a killed node again on its own data; returns once it is registered with the others."""
        self._start_node(node_id)
        self._wait_registered(timeout_s, f"Kafka node {node_id}")

    def stop(self) -> None:
        for child in reversed(list(self.children.values())):
            child.stop(timeout_s=30)
        self.children.clear()
        self.state_file.unlink(missing_ok=True)

    def alive(self) -> bool:
        return all(child.alive() for child in self.children.values())

    # -- what the cluster says about itself ----------------------------------------------------------
    @contextlib.contextmanager
    def _admin(self) -> Iterator[Any]:
        from kafka import KafkaAdminClient

        live = [f"127.0.0.1:{self.nodes[i].port}" for i, child in self.children.items() if child.alive()]
        admin = KafkaAdminClient(bootstrap_servers=live or self.bootstrap.split(","), request_timeout_ms=3000)
        try:
            yield admin
        finally:
            admin.close()

    def registered(self) -> bool:
        """Every started node is an unfenced broker of the cluster."""
        from kafka.errors import KafkaError

        try:
            with self._admin() as admin:
                brokers = admin.describe_cluster().get("brokers", [])
        except KafkaError:
            return False
        unfenced = {broker["broker_id"] for broker in brokers if not broker.get("is_fenced")}
        return unfenced >= set(self.children)

    def partitions(self, topics: Sequence[str]) -> dict[tuple[str, int], dict[str, Any]]:
        """(topic, partition) -> {leader, replicas, isr}, as the cluster's metadata says now."""
        with self._admin() as admin:
            described = admin.describe_topics(list(topics))
        return {
            (topic["name"], part["partition_index"]): {
                "leader": part["leader_id"],
                "replicas": list(part["replica_nodes"]),
                "isr": list(part["isr_nodes"]),
            }
            for topic in described
            for part in topic["partitions"]
        }

    def fully_replicated(self, topics: Sequence[str]) -> bool:
        """Every partition of the topics has all its replicas in sync."""
        from kafka.errors import KafkaError

        try:
            described = self.partitions(topics)
        except KafkaError:
            return False
        return bool(described) and all(set(p["isr"]) == set(p["replicas"]) for p in described.values())

    # -- bookkeeping, so an interrupted session's nodes are stopped by the next one ------------------
    def _save(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        pids = {str(i): child.pid for i, child in self.children.items() if child.pid}
        self.state_file.write_bytes(orjson.dumps({"pids": pids}))

    def stop_recorded(self) -> None:
        if not self.state_file.exists():
            return
        for pid in orjson.loads(self.state_file.read_bytes()).get("pids", {}).values():
            terminate(pid, timeout_s=30)
        self.state_file.unlink(missing_ok=True)


def cluster_home() -> Path:
    return home_of("cluster")


def cluster_base_port() -> int:
    return CLUSTER_BASE_PORT + port_offset()
