"""Real Kafka (KRaft, from Maven Central jars or $KAFKA_HOME) and real Redis (from Debian), on loopback."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from .paths import kafka_file, kafka_libs
from .processes import Child, StartFailed, port_open, wait_until


def kafka_classpath() -> str:
    """$KAFKA_HOME/libs when it points at an unpacked release, else the jars Maven fetched."""
    home = os.environ.get("KAFKA_HOME")
    if home and (Path(home) / "libs").is_dir():
        return str(Path(home) / "libs" / "*")
    if not any(kafka_libs().glob("kafka_2.13-*.jar")):
        subprocess.run(
            ["mvn", "-q", "-B", "-f", str(kafka_file("pom.xml")), "dependency:copy-dependencies"], check=True
        )
    return str(kafka_libs() / "*")


@dataclass
class KafkaBroker:
    data_dir: Path
    port: int
    controller_port: int
    heap: str = "-Xmx512m"

    def _java(self, main: str, *args: str) -> list[str]:
        return [
            "java",
            self.heap,
            "-XX:+UseG1GC",
            "-XX:TieredStopAtLevel=1",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={kafka_file('log4j2.xml')}",
            "-cp",
            kafka_classpath(),
            main,
            *args,
        ]

    @property
    def properties(self) -> Path:
        return self.data_dir / "server.properties"

    def prepare(self) -> None:
        logs = self.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.properties.write_text(
            kafka_file("server.properties.template")
            .read_text()
            .format(port=self.port, controller_port=self.controller_port, data_dir=logs)
        )
        if not (logs / "meta.properties").exists():
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            subprocess.run(
                self._java(
                    "kafka.tools.StorageTool",
                    "format",
                    "--standalone",
                    f"--cluster-id={cluster_id}",
                    "-c",
                    str(self.properties),
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )

    def child(self) -> Child:
        return Child("kafka", self._java("kafka.Kafka", str(self.properties)), self.data_dir / "kafka.log")

    def start(self, timeout_s: float = 90.0) -> Child:
        if port_open(self.port):
            raise StartFailed(f"port {self.port} is taken: is another Kafka running? (make stop)")
        self.prepare()
        child = self.child()
        child.start()
        wait_until(self.ready, timeout_s, "Kafka", child.alive)
        return child

    def ready(self) -> bool:
        if not port_open(self.port):
            return False
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaError

        try:
            admin = KafkaAdminClient(bootstrap_servers=f"127.0.0.1:{self.port}", request_timeout_ms=2000)
        except KafkaError:
            return False
        try:
            brokers = admin.describe_cluster().get("brokers", [])
            return bool(brokers)
        except KafkaError:
            return False
        finally:
            admin.close()


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "redis-server"], check=True, env=env)
        found = shutil.which("redis-server")
    if not found:
        raise StartFailed("redis-server is not installed: run `sudo apt-get install redis-server`")
    return found


@dataclass
class RedisServer:
    data_dir: Path
    port: int

    def start(self, timeout_s: float = 20.0) -> Child:
        if port_open(self.port):
            raise StartFailed(f"port {self.port} is taken: is another Redis running? (make stop)")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        child = Child(
            "redis",
            [
                redis_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.data_dir),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--protected-mode",
                "yes",
                "--daemonize",
                "no",
            ],
            self.data_dir / "redis.log",
        )
        child.start()
        wait_until(lambda: port_open(self.port), timeout_s, "Redis", child.alive)
        return child
