"""How the service processes run, as their logs tell it."""

from __future__ import annotations

import orjson
import pytest
from visitflow_devstack.stack import SERVICES
from visitflow_devstack.testing import System

pytestmark = pytest.mark.integration


def test_every_service_keeps_what_it_loaded_at_start_up_out_of_garbage_collection(system: System) -> None:
    """The APIs before serving, the workers once their tables are recovered (DECISIONS §44)."""
    frozen: dict[str, int] = {}
    for service in SERVICES:
        log = system.stack.home / "logs" / f"{service.key}.log"
        for line in log.read_bytes().splitlines():
            if b'"start-up objects frozen"' in line:
                frozen[service.key] = orjson.loads(line)["objects"]
    assert set(frozen) == {service.key for service in SERVICES}
    assert min(frozen.values()) > 50_000  # modules and the office directory, at least
