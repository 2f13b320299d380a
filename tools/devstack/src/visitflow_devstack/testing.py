"""pytest plugin (`-p visitflow_devstack.testing`): the real system for integration tests.

The `system` fixture starts fresh Kafka and Redis on the test ports, creates the topics, starts every
service, and stops all of it at the end of the session. Its clock starts on Monday 23 November 2026 at
12:30 in Oslo, when drop-in is open in Halden and Løten and closed in Elverum.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import redis
from kafka import KafkaConsumer, TopicPartition
from visitflow_platform.access import Role
from visitflow_platform.auth import issue_token

from .infra import KafkaBroker
from .paths import port_offset, root
from .stack import SERVICES, Stack, ports_of, running
from .strays import stop_profile

TEST_CLOCK_START = "2026-11-23T12:30:00+01:00"
T = TypeVar("T")


class System:
    """The running system as a test sees it: its URLs, clients and a few hands-on operations."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.settings = stack.settings()
        self.topics = self.settings.topics
        self.clock = self.settings.clock
        admin = {"Authorization": f"Bearer {self.token(Role.ADMIN)}"}  # tests act as admin unless they say
        self.checkin = httpx.Client(base_url=stack.url("checkin"), timeout=20, headers=admin)
        self.queue = httpx.Client(base_url=stack.url("queue"), timeout=20, headers=admin)
        self.notify = httpx.Client(base_url=stack.url("notify"), timeout=20, headers=admin)
        self.metrics = httpx.Client(base_url=stack.url("metrics"), timeout=20, headers=admin)
        self.redis = redis.Redis.from_url(stack.redis_url)

    def token(self, role: Role, offices: tuple[str, ...] = (), region: str | None = None) -> str:
        return issue_token(self.settings, role, f"test-{role.value}", offices, region)

    def page_url(
        self, service: str, path: str, role: Role, office: str | None = None, region: str | None = None
    ) -> str:
        """A page's address with an access token in its fragment, as a person would be given it."""
        token = self.token(role, (office,) if office else (), region)
        return f"{self.stack.url(service)}{path}#token={token}"

    def check_in(self, office_id: str, body: dict[str, Any], key: str | None = None) -> httpx.Response:
        headers = {"Idempotency-Key": key} if key else {}
        return self.checkin.post(f"/api/offices/{office_id}/check-ins", json=body, headers=headers)

    def command(
        self, office_id: str, path: str, body: dict[str, Any] | None = None, key: str | None = None
    ) -> httpx.Response:
        headers = {"Idempotency-Key": key} if key else {}
        return self.queue.post(f"/api/offices/{office_id}/{path}", json=body, headers=headers)

    def waiting_list(self, office_id: str) -> dict[str, Any]:
        response = self.queue.get(f"/api/offices/{office_id}/queue")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def clear(self, office_id: str) -> None:
        """Empties an office's queue through the public API, so a test starts from a known state."""
        snapshot = self.waiting_list(office_id)
        for visit in [*snapshot["waiting"], *snapshot["called"]]:
            self.command(office_id, f"visits/{visit['visit_id']}/cancel", {"cause": "visitor_left"})
        for visit in snapshot["in_service"]:
            self.command(office_id, f"visits/{visit['visit_id']}/complete", {"outcome": "served"})
        assert not any(self.waiting_list(office_id)[part] for part in ("waiting", "called", "in_service"))

    def end_offsets(self, topic: str) -> int:
        consumer = KafkaConsumer(bootstrap_servers=self.stack.kafka_bootstrap)
        try:
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            return sum(consumer.end_offsets(partitions).values())
        finally:
            consumer.close()

    def read_topic(self, topic: str) -> list[bytes]:
        """Every message now on a topic, from the beginning."""
        return [value for _, value in self.read_records(topic) if value is not None]

    def read_records(self, topic: str) -> list[tuple[bytes | None, bytes | None]]:
        """Every record now on a topic, from the beginning, as (key, value); a tombstone's value is None."""
        consumer = KafkaConsumer(bootstrap_servers=self.stack.kafka_bootstrap, enable_auto_commit=False)
        try:
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            end = consumer.end_offsets(partitions)
            records: list[tuple[bytes | None, bytes | None]] = []
            while any(consumer.position(tp) < end[tp] for tp in partitions):
                for batch in consumer.poll(timeout_ms=1000).values():
                    records.extend((record.key, record.value) for record in batch)
            return records
        finally:
            consumer.close()

    @contextlib.contextmanager
    def live(
        self, client: httpx.Client, path: str, last_event_id: str | None = None, within_s: float = 60
    ) -> Iterator[Iterator[dict[str, str]]]:
        """Opens a server-sent-events stream; yields an iterator of frames ({id, event, data}), which
        fails once the stream has been open `within_s` (its keep-alive pings would otherwise let a
        test wait for a frame that never comes until pytest's own timeout)."""
        headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
        with client.stream("GET", path, headers=headers, timeout=httpx.Timeout(20, read=20)) as response:
            response.raise_for_status()
            yield _frames(response.iter_lines(), time.monotonic() + within_s)

    def restart(self, key: str, kill: bool = False) -> None:
        """Stops one service (SIGTERM, or SIGKILL with kill=True) and starts it again, ready."""
        child = self.stack.children[key]
        child.kill() if kill else child.stop()
        self.restart_stopped(key)

    def restart_stopped(self, key: str) -> None:
        """Starts a service that a test stopped, and waits until everything is ready again."""
        self.stack.start_service(next(s for s in SERVICES if s.key == key))
        self.stack.wait_ready()

    def stop_kafka(self) -> None:
        self.stack.stop_service("kafka")

    def start_kafka(self) -> None:
        """Starts the broker again on its own data (what it acknowledged is still there)."""
        self.stack.add(
            KafkaBroker(
                self.stack.home / "kafka", self.stack.ports.kafka, self.stack.ports.controller
            ).start()
        )
        self.stack.wait_ready(120)

    def close(self) -> None:
        for client in (self.checkin, self.queue, self.notify, self.metrics):
            client.close()
        self.redis.close()


def _frames(lines: Iterator[str], deadline: float) -> Iterator[dict[str, str]]:
    frame: dict[str, str] = {}
    for line in lines:
        if time.monotonic() > deadline:
            raise AssertionError("the live stream did not send the expected frame in time")
        if not line:
            if "data" in frame:
                yield frame
            frame = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            frame[name] = value.removeprefix(" ")


def client_of_its_own(base_url: str = "", **options: Any) -> httpx.Client:
    """A client whose requests come from a loopback address of its own (127.x.y.z, never 127.0.0.1). Each
    service counts failed authentications per client address for as long as it runs (after ten, 429),
    and the system serves the whole session: a test that sends a bad token and expects 401 uses one, so
    the bad tokens other tests sent from 127.0.0.1 before it do not count against it."""
    address = f"127.{secrets.randbelow(254) + 1}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=base_url, transport=transport, **options)


def move_ports(patch: pytest.MonkeyPatch, by: int) -> None:
    """A stack made while `patch` holds runs on ports moved `by` more, beside the session's own (each
    test that starts a second stack takes its own `by`)."""
    patch.setenv("VISITFLOW_PORT_OFFSET", str(port_offset() + by))


def eventually(probe: Callable[[], T | None], timeout_s: float = 15.0, what: str = "condition") -> T:
    """Polls until `probe` returns something truthy; fails with `what` after the timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


async def eventually_async(
    condition: Callable[[], bool], timeout_s: float = 15.0, what: str = "condition"
) -> None:
    """`eventually` for a test on an event loop: polls without blocking the loop the code under test
    runs on."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


CHROMIUM = "/usr/bin/chromium"
# Quiet, sandbox-free headless Chromium: no network beyond loopback is reachable here anyway.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never `playwright install`). One per test module:
    Playwright's synchronous API keeps an event loop running while it is open, and a later test that
    starts a loop of its own (`asyncio.run`) would be refused."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh tablet-sized page; its screenshot is kept in test-artifacts/ as evidence."""
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="nb-NO")
    page = context.new_page()
    try:
        yield page
    finally:
        with contextlib.suppress(Exception):
            page.screenshot(path=str(artifacts() / f"{request.node.name}.png"), full_page=True)
        context.close()


def artifacts() -> Path:
    """test-artifacts/, where screenshots are kept as evidence (made when first asked for)."""
    folder = root() / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder


def axe() -> Path:
    return root() / "node_modules" / "axe-core" / "axe.min.js"  # installed by `make test` (package.json)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """What axe-core finds wrong with the page as it is now (WCAG 2.1 A and AA rules), each violation
    with its rule id, impact and the elements it names. Evaluated through the browser's debugging
    protocol, which the pages' Content-Security-Policy does not govern."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(axe().read_text())
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}))
            .violations.map(v => ({id: v.id, impact: v.impact,
                                   targets: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}))"""
    )
    return found


class FakeSmsGateway:
    """Stands in for the external SMS provider's HTTP API: records messages, and refuses numbers ending
    in 0000 (503), so retries and failures can be seen."""

    def __init__(self, port: int) -> None:
        self.received: list[dict[str, Any]] = []
        gateway = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.received.append({**body, "at": time.monotonic()})
                refuse = body["to"].replace(" ", "").endswith("0000")
                self.send_response(503 if refuse else 200)
                self.end_headers()

            def log_message(self, *_: Any) -> None:  # keep numbers out of the test output
                pass

        self.url = f"http://127.0.0.1:{port}/sms"
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def to(self, phone: str) -> list[dict[str, Any]]:
        return [message for message in self.received if message["to"] == phone]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="session")
def sms_gateway() -> Iterator[FakeSmsGateway]:
    gateway = FakeSmsGateway(ports_of("test").notify + 90)
    try:
        yield gateway
    finally:
        gateway.close()


@pytest.fixture(scope="session")
def system(sms_gateway: FakeSmsGateway) -> Iterator[System]:
    env = {
        "VISITFLOW_CHECKIN_RATE_PER_MINUTE": "200",
        "VISITFLOW_SMS_PROVIDER": "http",
        "VISITFLOW_SMS_GATEWAY_URL": sms_gateway.url,
        "VISITFLOW_SMS_ATTEMPTS": "3",
        "VISITFLOW_SMS_BACKOFF_S": "1.0",
        "VISITFLOW_CLOCK_START": TEST_CLOCK_START,
        "VISITFLOW_CLOCK_EPOCH": f"{time.time():.3f}",
        "VISITFLOW_REPLY_TIMEOUT_S": "10",
    }
    stop_profile("test")  # leftovers of an interrupted session, and processes started by hand
    with running("test", env, fresh=True) as stack:
        handle = System(stack)
        try:
            yield handle
        finally:
            handle.close()
