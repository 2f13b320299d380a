"""The host commands' routes read their request themselves (`api.commands.AnsweredDirectly`): every
refusal before the command is sent (401, 403, 404, 422) is the one FastAPI gave resolving the route's
declared dependencies, path and body; checked against the same routes answered that way."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from visitflow_platform.auth import Role, issue_token
from visitflow_queue.api import commands, create_app, rooms
from visitflow_queue.api.commands import AnsweredDirectly
from visitflow_queue.config import QueueSettings

VISIT = "0b6e4bde-3a56-4d7c-9a41-0f1c2d3e4f50"
SETTINGS = QueueSettings()


def _directly_answered() -> list[AnsweredDirectly]:
    return [r for r in (*commands.router.routes, *rooms.router.routes) if isinstance(r, AnsweredDirectly)]


def _apps() -> tuple[FastAPI, FastAPI]:
    """The app, and the app with each command's route answered by FastAPI resolving what it declares."""
    direct, declared = create_app(SETTINGS), create_app(SETTINGS)
    for route in _directly_answered():
        resolved = APIRoute(
            route.path, route.endpoint, methods=route.methods, dependencies=route.dependencies
        )
        declared.router.routes.insert(0, resolved)
    return direct, declared


def _token(role: Role, offices: tuple[str, ...] = ("halden",)) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(SETTINGS, role, 'tester', offices, hours=1)}"}


HOST, DISPLAY, ADMIN = _token(Role.HOST), _token(Role.DISPLAY), _token(Role.ADMIN, ())
JSON = {"content-type": "application/json"}
# (office, visit, headers, body): each refused before anything is sent
REQUESTS: list[tuple[str, str, dict[str, str], bytes]] = [
    ("halden", VISIT, {}, b"{}"),  # no token
    ("halden", VISIT, DISPLAY, b"{}"),  # a role the action is not allowed
    ("moss", VISIT, HOST, b"{}"),  # an office the token does not name
    ("nowhere", VISIT, ADMIN, b"{}"),  # no such office
    ("Halden!", VISIT, ADMIN, b"{}"),  # an office id of the wrong form
    ("Halden!", "not-a-visit", ADMIN | JSON, b'{"bogus": 1}'),  # every problem at once
    ("halden", "not-a-visit", HOST | JSON, b"{}"),
    ("halden", VISIT, HOST | JSON, b'{"bogus": 1}'),
    ("halden", VISIT, HOST | JSON, b'{"room_id": "01017012345 Ola"}'),
    ("halden", VISIT, HOST | JSON, b'{"outcome": "nope", "cause": "nope", "to_line_id": 7}'),
    ("halden", VISIT, HOST | {"content-type": "text/plain"}, b'{"room_id": "r"}'),
    ("halden", VISIT, HOST | JSON, b""),
]


def test_every_host_command_but_the_room_close_is_answered_directly() -> None:
    paths = [route.path for route in _directly_answered()]
    assert len(paths) == 13
    assert "/api/offices/{office_id}/call-next" in paths
    assert "/api/offices/{office_id}/rooms/{room_id}/open" in paths


@pytest.mark.parametrize("request_", REQUESTS, ids=range(len(REQUESTS)))
async def test_a_refusal_is_the_one_fastapi_gave_for_the_declared_route(
    request_: tuple[str, str, dict[str, str], bytes],
) -> None:
    office, visit, headers, body = request_
    direct, declared = _apps()
    answers: list[list[tuple[int, Any]]] = []
    for app in (direct, declared):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://visitflow") as client:
            found = []
            for path in (route.path for route in _directly_answered()):
                url = path.format(office_id=office, visit_id=visit, room_id="samtalerom-1")
                answer = await client.post(url, content=body, headers=headers)
                found.append((answer.status_code, answer.json()))
            answers.append(found)
    assert answers[0] == answers[1]
    assert any(400 <= status < 500 for status, _ in answers[0])


async def test_the_caller_is_authorised_before_the_body_is_read() -> None:
    """FastAPI parsed a declared body's JSON before resolving the dependencies, so a caller without a
    token sending broken JSON was told 422; it is told 401, as for any other body."""
    direct = create_app(SETTINGS)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=direct), base_url="http://vf") as client:
        answer = await client.post("/api/offices/halden/call-next", content=b"{not json", headers=JSON)
    assert answer.status_code == 401


async def test_broken_json_is_refused_as_the_check_in_refuses_it() -> None:
    """Where FastAPI named the position of the first broken character, the answer names the request,
    as the check-in's does (`visitflow_platform.request_body`)."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(SETTINGS)), base_url="http://vf"
    ) as c:
        answer = await c.post("/api/offices/halden/call-next", content=b"{not json", headers=HOST | JSON)
    assert answer.status_code == 422
    assert answer.json()["problems"] == ["request: JSON decode error"]
