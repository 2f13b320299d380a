"""The whole system on one machine: Kafka, Redis, topics, and every service, started and stopped together.

`make run` uses the `dev` profile, `make test` the `test` profile on other ports, so both can run at once.
When KAFKA_BOOTSTRAP_SERVERS or REDIS_URL is set, that infrastructure is used and nothing is started for it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import shutil
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
from visitflow_platform.settings import ServiceSettings
from visitflow_platform.topics import ensure_topics

from .infra import KafkaBroker, RedisServer
from .paths import home_of, port_offset
from .processes import Child, StartFailed, terminate, wait_until


@dataclass(frozen=True)
class Ports:
    kafka: int
    controller: int
    redis: int
    checkin: int
    queue: int
    notify: int
    metrics: int


# Every port is below Linux's ephemeral range (32768-60999): a port in it can be taken at any moment as
# the local end of an outgoing connection, and a server starting then cannot listen
# (docs/decisions/one-test-system.md).
PROFILES = {
    "dev": Ports(
        kafka=19092, controller=19093, redis=16379, checkin=8101, queue=8102, notify=8103, metrics=8104
    ),
    "bench": Ports(
        kafka=22092, controller=22093, redis=22379, checkin=8401, queue=8402, notify=8403, metrics=8404
    ),
    "smoke": Ports(
        kafka=24092, controller=24093, redis=24379, checkin=8301, queue=8302, notify=8303, metrics=8304
    ),
    "test": Ports(
        kafka=29092, controller=29093, redis=26379, checkin=8201, queue=8202, notify=8203, metrics=8204
    ),
}


def ports_of(profile: str) -> Ports:
    """A profile's ports, moved by `port_offset()`."""
    offset = port_offset()
    base = PROFILES[profile]
    return Ports(*(port + offset for port in dataclasses.astuple(base)))


@dataclass(frozen=True)
class Service:
    name: str
    module: str
    args: tuple[str, ...] = ()
    port_of: str | None = None  # which Ports field its HTTP port is, for APIs

    @property
    def key(self) -> str:
        return f"{self.module.removeprefix('visitflow_')}-{self.args[0] if self.args else 'api'}"


SERVICES = (
    Service("queue worker", "visitflow_queue", ("worker",)),
    Service("notify worker", "visitflow_notify", ("worker",)),
    Service("metrics worker", "visitflow_metrics", ("worker",)),
    Service("checkin api", "visitflow_checkin", ("api",), "checkin"),
    Service("queue api", "visitflow_queue", ("api",), "queue"),
    Service("notify api", "visitflow_notify", ("api",), "notify"),
    Service("metrics api", "visitflow_metrics", ("api",), "metrics"),
)


@dataclass
class Stack:
    profile: str
    extra_env: Mapping[str, str] = field(default_factory=dict)
    fresh: bool = False
    children: dict[str, Child] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ports = ports_of(self.profile)
        self.home = home_of(self.profile)
        self.external_kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        self.external_redis = os.environ.get("REDIS_URL")

    # -- configuration -------------------------------------------------------------------------------
    @property
    def kafka_bootstrap(self) -> str:
        return self.external_kafka or f"127.0.0.1:{self.ports.kafka}"

    @property
    def redis_url(self) -> str:
        return self.external_redis or f"redis://127.0.0.1:{self.ports.redis}/0"

    def env(self) -> dict[str, str]:
        ports = self.ports
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "REDIS_URL": self.redis_url,
            "VISITFLOW_ENVIRONMENT": "test" if self.profile == "test" else "development",
            "VISITFLOW_CHECKIN_PORT": str(ports.checkin),
            "VISITFLOW_QUEUE_PORT": str(ports.queue),
            "VISITFLOW_NOTIFY_PORT": str(ports.notify),
            "VISITFLOW_METRICS_PORT": str(ports.metrics),
            "VISITFLOW_CHECKIN_PUBLIC_URL": self.url("checkin"),
            "VISITFLOW_QUEUE_PUBLIC_URL": self.url("queue"),
            "VISITFLOW_NOTIFY_PUBLIC_URL": self.url("notify"),
            "VISITFLOW_CORS_ORIGINS": ",".join(self.url(s) for s in ("queue", "notify", "metrics")),
            "VISITFLOW_SMS_OUTBOX_FILE": str(self.home / "sms-outbox.jsonl"),
            "VISITFLOW_OFFICES_CACHE_DIR": str(self.home / "cache"),
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{getattr(self.ports, service)}"

    # -- lifecycle -----------------------------------------------------------------------------------
    def start_infra(self) -> None:
        if self.fresh and self.home.exists():
            shutil.rmtree(self.home)
        self.home.mkdir(parents=True, exist_ok=True)
        if not self.external_redis:
            self.add(RedisServer(self.home / "redis", self.ports.redis).start())
        if not self.external_kafka:
            self.add(KafkaBroker(self.home / "kafka", self.ports.kafka, self.ports.controller).start())
        ensure_topics(self.settings())

    def settings(self) -> ServiceSettings:
        """Settings as the services will read them from their environment."""
        saved = dict(os.environ)
        os.environ.update(self.env())
        try:
            return ServiceSettings()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def start_service(self, service: Service) -> Child:
        child = Child(
            service.key,
            [sys.executable, "-m", service.module, *service.args],
            self.home / "logs" / f"{service.key}.log",
            env=self.env(),
            cwd=self.home,  # faust makes its data folders in the working directory: not in the checkout
        )
        child.start()
        self.add(child)
        return child

    def start_services(self, timeout_s: float = 90.0) -> None:
        # the office file parsed once here: the services then read the parse from the cache
        _ = self.settings().offices
        for service in SERVICES:
            self.start_service(service)
        self.wait_ready(timeout_s)

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        """Waits until every API this stack started answers `/readyz` (each waits for its worker)."""
        for service in SERVICES:
            if service.port_of is None or service.key not in self.children:
                continue
            child = self.children[service.key]
            url = f"{self.url(service.port_of)}/readyz"
            try:
                wait_until(
                    functools.partial(_ready, url),
                    timeout_s,
                    service.name,
                    lambda: all(c.alive() for c in self.children.values()),
                )
            except StartFailed as failed:
                dead = [c for c in self.children.values() if not c.alive()] or [child]
                raise StartFailed(f"{failed}\n--- {dead[0].name} log ---\n{dead[0].tail()}") from None

    def stop_service(self, key: str) -> None:
        child = self.children.pop(key, None)
        if child is not None:
            child.stop()
        self._save()

    def stop(self) -> None:
        for key in reversed(list(self.children)):
            self.children[key].stop(timeout_s=30 if key == "kafka" else 15)
        self.children.clear()
        self.state_file.unlink(missing_ok=True)

    # -- bookkeeping for `make stop` ----------------------------------------------------------------
    @property
    def state_file(self) -> Path:
        return self.home / STATE_FILE

    def add(self, child: Child) -> None:
        self.children[child.name] = child
        self._save()

    def _save(self) -> None:
        record(self.home, {key: child.pid for key, child in self.children.items() if child.pid}, os.getpid())


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


STATE_FILE = "stack.json"


def record(home: Path, pids: Mapping[str, int], runner: int) -> None:
    """Writes down what `stop_recorded` stops: the children, in start order, and the process running them."""
    (home / STATE_FILE).write_bytes(orjson.dumps({"runner": runner, "pids": pids}))


def stop_recorded(profile: str) -> list[str]:
    """Stops whatever a previous run recorded (services first, Kafka and Redis last)."""
    state = home_of(profile) / STATE_FILE
    if not state.exists():
        return []
    recorded = orjson.loads(state.read_bytes())
    pids: dict[str, int] = recorded.get("pids", {})
    runner = recorded.get("runner")
    if runner and runner != os.getpid():
        terminate(runner, timeout_s=90, group=False)  # a live `run` stops its own children
    for key in reversed(list(pids)):
        terminate(pids[key], timeout_s=30)
    state.unlink(missing_ok=True)
    return list(pids)


@contextlib.contextmanager
def running(
    profile: str, env: Mapping[str, str] | None = None, fresh: bool = False, services: bool = True
) -> Iterator[Stack]:
    stack = Stack(profile, env or {}, fresh=fresh)
    started = time.monotonic()
    try:
        stack.start_infra()
        if services:
            stack.start_services()
        stack.startup_s = round(time.monotonic() - started, 1)  # type: ignore[attr-defined]
        yield stack
    finally:
        stack.stop()
