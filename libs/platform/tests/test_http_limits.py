"""The bounds of every API's HTTP server (`web.serve`), seen from raw sockets on 127.0.0.1: a request must
arrive whole within its deadline, a request head has a size limit, and a process has a connection cap.

Each server here is a real `serve()` in its own process, as a service runs it, with a short deadline."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest
import uvicorn
from fastapi import FastAPI
from visitflow_platform.settings import ServiceSettings

APP = """
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from visitflow_platform.settings import ServiceSettings
from visitflow_platform.web import install_common, serve

settings = ServiceSettings()
app = FastAPI()
install_common(app, settings, CollectorRegistry(), {})
serve(app, settings)
"""
DEADLINE_S = 1.0
CLOSED_WITHIN_S = 4.0  # the deadline, and ample room for a busy machine


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


Start = Callable[..., tuple[str, int]]


@pytest.fixture(scope="module")
def start_server() -> Iterator[Start]:
    started: list[subprocess.Popen[bytes]] = []

    def start(**settings: str) -> tuple[str, int]:
        port = _free_port()
        env = {
            **os.environ,
            "VISITFLOW_HOST": "127.0.0.1",
            "VISITFLOW_PORT": str(port),
            "VISITFLOW_LOG_LEVEL": "WARNING",
            **{f"VISITFLOW_{name.upper()}": value for name, value in settings.items()},
        }
        process = subprocess.Popen([sys.executable, "-c", APP], env=env, stderr=subprocess.DEVNULL)
        started.append(process)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return "127.0.0.1", port
            except OSError:
                assert process.poll() is None, "the server did not start"
                time.sleep(0.1)
        raise AssertionError("the server did not start listening")

    yield start
    for process in started:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def server(start_server: Start) -> tuple[str, int]:
    return start_server(request_read_timeout_s=str(DEADLINE_S))


def closed_by_server(connection: socket.socket, within_s: float = CLOSED_WITHIN_S) -> bool:
    """Whether the server closed the connection within `within_s` (everything it sent is read past)."""
    connection.settimeout(within_s)
    deadline = time.monotonic() + within_s
    try:
        while time.monotonic() < deadline:
            if not connection.recv(65536):
                return True
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return False


def answer(connection: socket.socket) -> bytes:
    """The server's whole answer, until it closes the connection (at most a few seconds)."""
    connection.settimeout(CLOSED_WITHIN_S)
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return received


def response(connection: socket.socket) -> bytes:
    """One whole answer on a kept-alive connection: its head and its Content-Length of body."""
    connection.settimeout(CLOSED_WITHIN_S)
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        assert chunk, f"closed after {received!r}"
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    while len(body) < length:
        body += connection.recv(65536)
    return received


def get(path: str, *headers: str) -> bytes:
    return "\r\n".join([f"GET {path} HTTP/1.1", "Host: visitflow", *headers, "", ""]).encode()


def test_a_connection_that_sends_nothing_is_closed_at_the_deadline(server: tuple[str, int]) -> None:
    with socket.create_connection(server) as connection:
        assert closed_by_server(connection)


def test_a_request_head_that_never_completes_is_closed_at_the_deadline(server: tuple[str, int]) -> None:
    with socket.create_connection(server) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: visitflow\r\n")
        assert closed_by_server(connection)


def test_sending_a_head_byte_by_byte_does_not_extend_the_deadline(server: tuple[str, int]) -> None:
    with socket.create_connection(server) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nX-Slow: ")
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < CLOSED_WITHIN_S:
            try:
                connection.sendall(b"a")
            except OSError:
                closed = True
                break
            if closed_by_server(connection, within_s=0.1):
                closed = True
                break
        assert closed


def test_a_body_that_never_completes_is_closed_at_the_deadline(server: tuple[str, int]) -> None:
    with socket.create_connection(server) as connection:
        connection.sendall(
            b"POST /healthz HTTP/1.1\r\nHost: visitflow\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"a":'
        )
        assert closed_by_server(connection)


def test_an_idle_keep_alive_connection_outlives_the_deadline_and_each_request_gets_its_own(
    server: tuple[str, int],
) -> None:
    with socket.create_connection(server) as connection:
        connection.sendall(get("/healthz"))
        assert response(connection).startswith(b"HTTP/1.1 200")
        time.sleep(DEADLINE_S * 1.5)  # idle between requests: uvicorn's keep-alive (75 s) governs that
        connection.sendall(get("/healthz"))
        assert response(connection).startswith(b"HTTP/1.1 200")


def test_a_request_head_over_the_limit_gets_431_and_the_connection_is_closed(
    server: tuple[str, int],
) -> None:
    huge = b"X-Padding: " + b"a" * (4 * 1024 * 1024) + b"\r\n"  # 4 MB, as an attacker sent
    with socket.create_connection(server) as connection:
        with contextlib.suppress(OSError):  # the server stops reading: what it answered is still there
            connection.sendall(get("/healthz").removesuffix(b"\r\n") + huge + b"\r\n")
        received = answer(connection)
    assert received.startswith(b"HTTP/1.1 431"), received[:200]


def test_a_request_head_over_the_limit_that_arrives_in_one_piece_gets_431(server: tuple[str, int]) -> None:
    with socket.create_connection(server) as connection:
        with contextlib.suppress(OSError):
            connection.sendall(get("/healthz", "X-Padding: " + "a" * 20_000))  # one read on loopback
        received = answer(connection)
    assert received.startswith(b"HTTP/1.1 431"), received[:200]


def test_a_request_head_within_the_limit_is_served(server: tuple[str, int]) -> None:
    padding = (
        "a" * 6_000
    )  # a request line and a header each larger than any token an identity provider issues
    with socket.create_connection(server) as connection:
        connection.sendall(get(f"/healthz?padding={padding}", f"X-Padding: {padding}"))
        assert response(connection).startswith(b"HTTP/1.1 200")


def test_a_request_with_an_upgrade_header_does_not_escape_the_deadline(server: tuple[str, int]) -> None:
    with socket.create_connection(server) as connection:
        connection.sendall(get("/healthz", "Connection: upgrade", "Upgrade: something-else"))
        assert response(connection).startswith(b"HTTP/1.1 200")
        connection.sendall(b"GET /healthz HTTP/1.1\r\n")
        assert closed_by_server(connection)


def test_at_the_connection_limit_requests_get_503(start_server: Start) -> None:
    address = start_server(max_connections="3")
    held = [socket.create_connection(address) for _ in range(2)]  # with the next one: 3 open
    try:
        with socket.create_connection(address) as connection:
            connection.sendall(get("/healthz"))
            assert answer(connection).startswith(b"HTTP/1.1 503")
        held.pop().close()
        time.sleep(0.2)  # the server notices the close
        with socket.create_connection(address) as connection:
            connection.sendall(get("/healthz"))
            assert response(connection).startswith(b"HTTP/1.1 200")
    finally:
        for connection in held:
            connection.close()


def test_the_listen_backlog_and_connection_cap_are_settings() -> None:
    from visitflow_platform.web import server_config

    settings = ServiceSettings(listen_backlog=64, max_connections=500)
    config = server_config(FastAPI(), settings)
    assert (config.backlog, config.limit_concurrency) == (64, 500)


def test_the_protocol_adapter_was_checked_with_the_installed_uvicorn_and_httptools() -> None:
    """The adapter leans on how uvicorn constructs its protocol (`http_protocol`). After an upgrade,
    check that it still holds and whether uvicorn now offers a request deadline and a head limit of its
    own (then use those instead), run these tests, and update CHECKED_WITH."""
    from visitflow_platform.http_protocol import CHECKED_WITH, unchecked_versions

    assert unchecked_versions() == {}, f"checked with {CHECKED_WITH}, installed {unchecked_versions()}"
    assert uvicorn.__version__.startswith(CHECKED_WITH["uvicorn"])
