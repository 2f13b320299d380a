"""How the service processes run, as their logs tell it."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import orjson
import pytest
from visitflow_devstack.stack import SERVICES
from visitflow_devstack.testing import System

pytestmark = pytest.mark.integration


def test_every_service_keeps_what_it_loaded_at_start_up_out_of_garbage_collection(system: System) -> None:
    """The APIs before serving, the workers once their tables are recovered
    (docs/decisions/garbage-collection.md)."""
    frozen: dict[str, int] = {}
    for service in SERVICES:
        log = system.stack.home / "logs" / f"{service.key}.log"
        for line in log.read_bytes().splitlines():
            if b'"start-up objects frozen"' in line:
                frozen[service.key] = orjson.loads(line)["objects"]
    assert set(frozen) == {service.key for service in SERVICES}
    assert min(frozen.values()) > 50_000  # modules and the office directory, at least


def test_an_idle_keep_alive_connection_outlives_the_clients_own_idle_timeout(system: System) -> None:
    """A tablet's connection that was idle for a while is still open when its next check-in goes out:
    the server closing it at that moment lost the check-in to a connection reset."""
    address = urlsplit(system.stack.url("checkin"))
    request = f"GET /healthz HTTP/1.1\r\nHost: {address.netloc}\r\n\r\n".encode()
    with socket.create_connection((address.hostname, address.port), timeout=5) as connection:
        connection.sendall(request)
        assert _response(connection).startswith(b"HTTP/1.1 200")
        time.sleep(6)  # longer than uvicorn's default keep-alive of 5 s
        connection.sendall(request)
        assert _response(connection).startswith(b"HTTP/1.1 200")


def _response(connection: socket.socket) -> bytes:
    """One whole /healthz response: its headers and JSON body may come in separate segments."""
    data = b""
    while not data.endswith(b"}") and (chunk := connection.recv(4096)):
        data += chunk
    return data
