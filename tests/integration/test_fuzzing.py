"""Bad input, generated: schemathesis fuzzes every operation of each service's OpenAPI schema against the
running system. No answer may be a 5xx, and every answer must match the schema it declares."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from visitflow_devstack.testing import System
from visitflow_platform.auth import Role

pytestmark = pytest.mark.integration
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.mark.parametrize("service", ["checkin", "queue", "notify", "metrics"])
def test_no_generated_request_gets_a_server_error_or_an_answer_off_schema(
    system: System, service: str
) -> None:
    token = system.token(Role.ADMIN)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(CONFIG),
            "run",
            f"{system.stack.url(service)}/openapi.json",
            "-H",
            f"Authorization: Bearer {token}",
            "--checks",
            "not_a_server_error,response_schema_conformance,content_type_conformance",
            "--exclude-path-regex",
            "stream",  # live streams never end
            "--max-examples",
            "20",
            "--request-timeout",
            "10",
            "--generation-deterministic",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    summary = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
    assert run.returncode == 0, run.stdout[-3000:]
    assert summary is not None, run.stdout[-2000:]
    generated, passed = map(int, summary.groups())
    assert generated == passed > 20
