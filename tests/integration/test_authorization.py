"""The authorisation matrix, generated from the one role-by-action table (`visitflow_platform.access`):
every endpoint declares its action, SECURITY.md shows the table, and the running services answer
accordingly: 401 without a token, 403 for a role the table does not allow or another office's data."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from visitflow_checkin.api import create_app as checkin_app
from visitflow_checkin.config import CheckinSettings
from visitflow_devstack.paths import root
from visitflow_devstack.testing import System, client_of_its_own
from visitflow_metrics.api import create_app as metrics_app
from visitflow_metrics.config import MetricsSettings
from visitflow_notify.api import create_app as notify_app
from visitflow_notify.config import NotifySettings
from visitflow_platform.access import Action, markdown_table
from visitflow_platform.auth import (
    VISIT_LINK,
    FailedAuthentications,
    Role,
    declared_action,
    declared_roles,
)
from visitflow_queue.api import create_app as queue_app
from visitflow_queue.config import QueueSettings

pytestmark = pytest.mark.integration
OFFICE, REGION = "loten", "hedmark"
OTHER_OFFICE = "arendal"  # in another region

APPS: dict[str, Callable[[], FastAPI]] = {
    "checkin": lambda: checkin_app(CheckinSettings()),
    "queue": lambda: queue_app(QueueSettings()),
    "notify": lambda: notify_app(NotifySettings()),
    "metrics": lambda: metrics_app(MetricsSettings()),
}


def _routes(service: str) -> list[APIRoute]:
    app = APPS[service]()  # built, never started: only its routes are read
    return _api_routes(app.routes)


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every API route, also those of included routers (which FastAPI keeps behind a wrapper)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif (inner := getattr(route, "original_router", None)) is not None:
            found.extend(_api_routes(inner.routes))
    return found


def _path(route: APIRoute, office: str, region: str) -> str:
    values = {
        "office_id": office,
        "region_id": region,
        "visit_id": str(uuid.uuid4()),
        "room_id": "samtalerom-1",
        "token": "x" * 32,
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], route.path)


def _call(base: str, route: APIRoute, path: str, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    method = sorted(route.methods or {"GET"})[0]
    with httpx.stream(
        method, base + path, headers=headers, timeout=10, json={} if method == "POST" else None
    ) as answer:
        return answer.status_code  # streams are closed at once


@pytest.mark.parametrize("service", sorted(APPS))
def test_every_endpoint_declares_its_roles(service: str) -> None:
    undeclared = [route.path for route in _routes(service) if declared_roles(route) == "undeclared"]
    assert undeclared == []


def test_security_md_shows_the_table_the_code_enforces() -> None:
    assert markdown_table() in (root() / "docs" / "SECURITY.md").read_text()


def test_every_action_of_the_table_is_an_endpoint_and_every_endpoint_one_action() -> None:
    declared = {declared_action(route) for service in APPS for route in _routes(service)}
    assert declared - {None, VISIT_LINK} == set(Action)


@pytest.mark.parametrize("service", sorted(APPS))
def test_each_role_gets_what_its_endpoints_declare_and_nothing_else(system: System, service: str) -> None:
    base = system.stack.url(service)
    tokens = {role: system.token(role, (OFFICE,), REGION) for role in Role}
    checked = 0
    for route in _routes(service):
        roles: Any = declared_roles(route)
        path = _path(route, OFFICE, REGION)
        if roles is None:
            assert _call(base, route, path, None) not in (401, 403), route.path  # public on purpose
            continue
        assert _call(base, route, path, None) == 401, route.path
        for role, token in tokens.items():
            status = _call(base, route, path, token)
            if role is Role.ADMIN or role in roles:
                assert status not in (401, 403), (route.path, role, status)
            else:
                assert status == 403, (route.path, role, status)
            checked += 1
        scoped = "{office_id}" in route.path or "{region_id}" in route.path
        if scoped:  # the same role, another office (and region): refused
            for role in set(roles) - {Role.ADMIN}:
                elsewhere = _path(route, OTHER_OFFICE, "agder")
                assert _call(base, route, elsewhere, tokens[role]) == 403, (route.path, role)
    assert checked >= len(Role)  # at least one endpoint with declared roles was tried with every role


def _forged(system: System) -> str:
    good = system.token(Role.HOST, (OFFICE,))
    return good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")


def test_a_forged_token_is_refused(system: System) -> None:
    with client_of_its_own(timeout=10) as client:
        answer = client.get(
            f"{system.stack.url('queue')}/api/offices/{OFFICE}/queue",
            headers={"Authorization": f"Bearer {_forged(system)}"},
        )
    assert answer.status_code == 401
    assert answer.json()["error"] == "unauthenticated"


def test_an_address_sending_forged_tokens_is_slowed_down_but_its_valid_tokens_pass(system: System) -> None:
    url = f"{system.stack.url('queue')}/api/offices/{OFFICE}/queue"
    forged = {"Authorization": f"Bearer {_forged(system)}"}
    with client_of_its_own(timeout=10) as client:
        answers = [
            client.get(url, headers=forged).status_code for _ in range(FailedAuthentications().allowed)
        ]
        assert answers == [401] * len(answers)
        slowed = client.get(url, headers=forged)
        assert slowed.status_code == 429
        assert slowed.json()["error"] == "too_many_failed_authentications"
        assert slowed.headers["Retry-After"] == "60"
        valid = {"Authorization": f"Bearer {system.token(Role.HOST, (OFFICE,))}"}
        assert client.get(url, headers=valid).status_code == 200  # a shared NAT address is never locked out
    with client_of_its_own(timeout=10) as elsewhere:  # counted per address
        assert elsewhere.get(url, headers=forged).status_code == 401
