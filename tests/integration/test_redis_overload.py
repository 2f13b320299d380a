"""An API whose Redis connections are all taken answers 503 `overloaded` with Retry-After, never 500, and
the tap retried with the same Idempotency-Key is then recorded once.

The API under test is a second check-in API on the system's Kafka and Redis with a pool of one Redis
connection, which its reply subscription holds: every request waits the pool's 5 s in vain, as a request
does under overload when every connection is busy."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from visitflow_devstack.testing import System, eventually
from visitflow_platform.access import Role
from visitflow_platform.ids import uuid7
from visitflow_platform.replies import CHANNEL

pytestmark = pytest.mark.integration
OFFICE = "arendal"  # drop-in open on the test clock
BODY = {"kind": "drop_in", "reason": "case_status"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _subscribers(system: System) -> int:
    return int(dict(system.redis.pubsub_numsub(CHANNEL))[CHANNEL.encode()])


@pytest.fixture(scope="module")
def starved_checkin(system: System, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A check-in API whose only Redis connection is held by its reply subscription."""
    before = _subscribers(system)
    port = _free_port()
    env = {
        **os.environ,
        **system.stack.env(),
        "VISITFLOW_CHECKIN_PORT": str(port),
        "VISITFLOW_REDIS_MAX_CONNECTIONS": "1",
    }
    home: Path = tmp_path_factory.mktemp("starved-checkin")
    log_file = home / "log"
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "visitflow_checkin", "api"], env=env, cwd=home, stdout=log, stderr=log
        )
    try:
        eventually(
            lambda: _subscribers(system) > before or process.poll() is not None, 60, "its reply subscription"
        )
        assert process.poll() is None, log_file.read_text()[-2000:]
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(15)
    logged = log_file.read_text()
    assert "redis did not answer in time" in logged
    assert "unhandled error" not in logged


def test_a_check_in_that_finds_no_free_redis_connection_gets_503_and_its_retry_is_recorded_once(
    system: System, starved_checkin: str
) -> None:
    keys = [str(uuid7()) for _ in range(4)]
    headers = {"Authorization": f"Bearer {system.token(Role.HOST, (OFFICE,))}"}
    with httpx.Client(base_url=starved_checkin, headers=headers, timeout=30) as client:

        def tap(key: str) -> httpx.Response:
            return client.post(
                f"/api/offices/{OFFICE}/check-ins", json=BODY, headers={"Idempotency-Key": key}
            )

        with ThreadPoolExecutor(len(keys)) as pool:
            answers = list(pool.map(tap, keys))

    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == "overloaded"
        assert "Idempotency-Key" in answer.json()["message"]
        assert int(answer.headers["Retry-After"]) > 0
        assert answer.headers["X-Content-Type-Options"] == "nosniff"

    # nothing was recorded: the same key on a healthy API is decided afresh, once
    again = system.check_in(OFFICE, BODY, keys[0])
    assert again.status_code in (201, 202), again.text
    visit_id = again.json()["visit_id"]
    assert system.check_in(OFFICE, BODY, keys[0]).json()["visit_id"] == visit_id

    def queued() -> list[object]:
        return [v for v in system.waiting_list(OFFICE)["waiting"] if v["visit_id"] == visit_id]

    eventually(queued, 15, "the retried check-in in the waiting list")
    assert len(queued()) == 1


def test_a_starved_api_still_answers_its_health_probe(starved_checkin: str) -> None:
    assert httpx.get(f"{starved_checkin}/healthz", timeout=5).status_code == 200
    ready = httpx.get(f"{starved_checkin}/readyz", timeout=10)
    assert ready.status_code == 503
    assert ready.json()["checks"]["redis"] is False
