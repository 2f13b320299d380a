"""The running services bound what one client can hold: a request must arrive whole within
VISITFLOW_REQUEST_READ_TIMEOUT_S, a request head is at most VISITFLOW_MAX_HEADER_BYTES, and one token
holds at most VISITFLOW_LIVE_STREAMS_PER_SUBJECT live streams per API process (20 by default).

Raw sockets and streams to 127.0.0.1 only, each bounded to a few seconds."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from visitflow_devstack.testing import System, eventually
from visitflow_platform.access import Role
from visitflow_platform.auth import issue_token

pytestmark = pytest.mark.integration
OFFICE = "halden"
DEFAULT_STREAMS_PER_SUBJECT = 20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def impatient_notify(system: System, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second notify API on the system's Kafka and Redis, allowing a request one second to arrive."""
    port = _free_port()
    env = {
        **os.environ,
        **system.stack.env(),
        "VISITFLOW_NOTIFY_PORT": str(port),
        "VISITFLOW_REQUEST_READ_TIMEOUT_S": "1",
    }
    home: Path = tmp_path_factory.mktemp("impatient-notify")
    with (home / "log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "visitflow_notify", "api"], env=env, cwd=home, stdout=log, stderr=log
        )
    url = f"http://127.0.0.1:{port}"
    try:
        eventually(lambda: _healthy(url) or process.poll() is not None, 60, "the second notify API")
        assert process.poll() is None, (home / "log").read_text()[-2000:]
        yield url
    finally:
        process.terminate()
        process.wait(15)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _closed_within(connection: socket.socket, seconds: float) -> bool:
    connection.settimeout(seconds)
    try:
        while connection.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


def test_a_request_that_never_arrives_whole_is_cut_off(impatient_notify: str) -> None:
    address = ("127.0.0.1", int(impatient_notify.rsplit(":", 1)[1]))
    with socket.create_connection(address) as connection:
        connection.sendall(f"GET /api/offices/{OFFICE}/display/stream HTTP/1.1\r\nHost: x\r\n".encode())
        assert _closed_within(connection, 4)


@pytest.mark.parametrize("service", ["checkin", "queue", "notify", "metrics"])
def test_a_request_head_over_the_limit_is_refused_with_431(system: System, service: str) -> None:
    port = int(system.stack.url(service).rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as connection:
        with contextlib.suppress(OSError):  # the server may close before it has read it all
            connection.sendall(
                b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 65536 + b"\r\n\r\n"
            )
        connection.settimeout(5)
        assert connection.recv(65536).startswith(b"HTTP/1.1 431")


def test_a_token_holds_at_most_its_limit_of_live_streams_and_a_closed_one_is_given_back(
    system: System,
) -> None:
    token = issue_token(system.settings, Role.DISPLAY, f"screen-{uuid.uuid4().hex[:8]}", (OFFICE,))
    path = f"/api/offices/{OFFICE}/display/stream"
    timeout = httpx.Timeout(10, read=30)
    with (
        httpx.Client(base_url=system.stack.url("notify"), timeout=timeout) as client,
        contextlib.ExitStack() as held,
    ):
        streams = [
            held.enter_context(client.stream("GET", path, headers={"Authorization": f"Bearer {token}"}))
            for _ in range(DEFAULT_STREAMS_PER_SUBJECT)
        ]
        assert [stream.status_code for stream in streams] == [200] * DEFAULT_STREAMS_PER_SUBJECT

        refused = client.get(path, params={"access_token": token})  # the parameter counts the same
        assert refused.status_code == 429
        assert refused.json()["error"] == "too_many_streams"
        assert int(refused.headers["Retry-After"]) > 0
        assert refused.headers["X-Content-Type-Options"] == "nosniff"  # a refusal like any other answer

        other = issue_token(system.settings, Role.DISPLAY, f"screen-{uuid.uuid4().hex[:8]}", (OFFICE,))
        with client.stream("GET", path, headers={"Authorization": f"Bearer {other}"}) as elsewhere:
            assert elsewhere.status_code == 200  # another screen is not affected

        streams[0].close()

        def opens_again() -> bool:
            with client.stream("GET", path, headers={"Authorization": f"Bearer {token}"}) as again:
                return again.status_code == 200

        eventually(opens_again, 10, "a closed stream to be given back")
