"""Bad input, generated: schemathesis fuzzes every operation of each service's OpenAPI schema against the
running system, as a caller with a valid token, with none, and with a token for another office. No
answer may be a 5xx, and every answer must be one the operation declares, in the shape it declares."""

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
SERVICES = ["checkin", "queue", "notify", "metrics"]
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"


def _fuzz(system: System, service: str, token: str | None, examples: int) -> tuple[int, int, str]:
    auth = ["-H", f"Authorization: Bearer {token}"] if token else []
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(CONFIG),
            "run",
            f"{system.stack.url(service)}/openapi.json",
            *auth,
            "--checks",
            CHECKS,
            "--exclude-path-regex",
            "stream",  # live streams never end
            "--max-examples",
            str(examples),
            "--request-timeout",
            "10",
            "--generation-deterministic",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    summary = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
    assert run.returncode == 0, run.stdout[-4000:]
    assert summary is not None, run.stdout[-2000:]
    generated, passed = map(int, summary.groups())
    return generated, passed, run.stdout


@pytest.mark.parametrize("service", SERVICES)
def test_a_valid_token_never_gets_a_server_error_or_an_undeclared_answer(
    system: System, service: str
) -> None:
    generated, passed, _ = _fuzz(system, service, system.token(Role.ADMIN), 20)
    assert generated == passed > 20


@pytest.mark.parametrize("service", SERVICES)
def test_no_token_never_gets_a_server_error_or_an_undeclared_answer(system: System, service: str) -> None:
    generated, passed, _ = _fuzz(system, service, None, 5)
    assert generated == passed > 5


@pytest.mark.parametrize("service", SERVICES)
def test_another_offices_token_never_gets_a_server_error_or_an_undeclared_answer(
    system: System, service: str
) -> None:
    role = Role.REGIONAL if service == "metrics" else Role.HOST
    token = system.token(role, ("arendal",), "agder")  # the fuzzed ids are halden and ostfold
    generated, passed, _ = _fuzz(system, service, token, 5)
    assert generated == passed > 5
